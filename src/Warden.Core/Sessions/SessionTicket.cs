using System.Text.Json.Serialization;

namespace Warden.Core.Sessions;

/// <summary>
/// Everything a replica needs to serve a client session, sealed into the Mcp-Session-Id itself so that
/// any replica can serve any session without sticky routing or a shared session store.
/// </summary>
public sealed record SessionTicket
{
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The endpoint the session belongs to: a server name, or "*" for the aggregate endpoint.</summary>
    [JsonPropertyName("r")] public required string Route { get; init; }

    /// <summary>The caller the session is bound to.</summary>
    [JsonPropertyName("s")] public required string Subject { get; init; }

    [JsonPropertyName("v")] public required string ProtocolVersion { get; init; }

    /// <summary>The client's initialize params (JSON), replayed when an upstream must be reconnected.</summary>
    [JsonPropertyName("i")] public string? ClientInitialize { get; init; }

    /// <summary>Upstream HTTP session ids by server, so another replica can resume them.</summary>
    [JsonPropertyName("u")] public Dictionary<string, string>? UpstreamSessions { get; init; }

    [JsonPropertyName("t")] public long IssuedAtUnixSeconds { get; init; }
}

[JsonSerializable(typeof(SessionTicket))]
internal sealed partial class SessionTicketJsonContext : JsonSerializerContext;
