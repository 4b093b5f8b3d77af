namespace Warden.Gateway.Mcp;

/// <summary>The MCP protocol revisions Warden speaks.</summary>
internal static class ProtocolVersions
{
    public const string Latest = "2025-11-25";
    public const string Stateless = "2026-07-28";

    /// <summary>Session-based revisions, oldest first.</summary>
    public static readonly string[] Sessioned = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    /// <summary>Picks the revision to answer a client that asked for <paramref name="requested"/>.</summary>
    public static string Negotiate(string? requested) =>
        requested is not null && Array.IndexOf(Sessioned, requested) >= 0 ? requested : Latest;
}
