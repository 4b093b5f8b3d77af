namespace Warden.LoadGen;

/// <summary>One MCP Streamable HTTP endpoint under test; the first target of a run is the baseline.</summary>
internal sealed record BenchTarget(string Name, Uri Endpoint);
