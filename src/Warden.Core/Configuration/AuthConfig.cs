namespace Warden.Core.Configuration;

/// <summary><c>auth</c>: how callers prove who they are. Each part is optional; with none, only loopback callers are served.</summary>
public sealed record AuthConfig
{
    /// <summary><c>auth.server</c>: Warden as the OAuth 2.1 authorization server for MCP clients; null when not configured.</summary>
    public AuthServerConfig? Server { get; init; }
}
