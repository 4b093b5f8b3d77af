using System.Text.Json.Nodes;

namespace Warden.Tests.Infrastructure;

/// <summary>A client registered at the test IdP: confidential with a secret, public without; <paramref name="TokenClaims"/> go into its client-credentials tokens.</summary>
internal sealed record IdpClient(string Id, string? Secret = null, IReadOnlyList<string>? RedirectUris = null, JsonObject? TokenClaims = null);
