namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>A client's metadata after validation (RFC 7591 §2), as Warden registers it.</summary>
public sealed record ClientMetadata
{
    public required IReadOnlyList<string> RedirectUris { get; init; }

    /// <summary><c>none</c> (public client, PKCE only), <c>client_secret_basic</c> or <c>client_secret_post</c>.</summary>
    public required string TokenEndpointAuthMethod { get; init; }

    public required IReadOnlyList<string> GrantTypes { get; init; }

    public string? ClientName { get; init; }

    public string? ClientUri { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public bool IsPublic => TokenEndpointAuthMethod == "none";
}
