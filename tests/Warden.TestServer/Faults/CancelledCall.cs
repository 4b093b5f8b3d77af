namespace Warden.TestServer.Faults;

/// <summary>One cancelled tool call: the JSON-RPC id the upstream saw, the tool, and its message argument.</summary>
public sealed record CancelledCall(string RequestId, string Tool, string? Message, DateTimeOffset At);
