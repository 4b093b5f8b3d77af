namespace Warden.Tests.Infrastructure;

/// <summary>Tokens from the IdP's token endpoint.</summary>
internal sealed record TokenSet(string AccessToken, string? RefreshToken, string? Scope, int? ExpiresIn);
