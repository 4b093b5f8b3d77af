namespace Warden.Core.Pipeline;

/// <summary>The "record" step's input: what happened to one action.</summary>
public sealed record AuditEntry
{
    public required DateTimeOffset Timestamp { get; init; }
    public required TimeSpan Duration { get; init; }
    public required McpAction Action { get; init; }
    public required Decision Decision { get; init; }

    /// <summary>ok, error (JSON-RPC error or tool isError), denied, or failed (upstream unreachable).</summary>
    public required string Outcome { get; init; }
    public string? Error { get; init; }
}
