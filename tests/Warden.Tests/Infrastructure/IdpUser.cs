using System.Text.Json.Nodes;

namespace Warden.Tests.Infrastructure;

/// <summary>A user of the test IdP and the claims their tokens carry.</summary>
internal sealed record IdpUser(string Sub, string? Name = null, string? Email = null, IReadOnlyList<string>? Groups = null, IReadOnlyList<string>? Roles = null, string? Password = null, JsonObject? Claims = null);
