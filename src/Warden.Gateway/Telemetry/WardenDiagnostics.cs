using System.Diagnostics;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Telemetry;

/// <summary>Warden's one <see cref="ActivitySource"/> and the name of its one meter.</summary>
public static class WardenDiagnostics
{
    /// <summary>The name of the activity source (spans) and of the meter (metrics).</summary>
    public const string Name = "Warden";

    /// <summary>Spans: one server span per client request, one client span per upstream request.</summary>
    public static ActivitySource Source { get; } = new(Name, WardenInfo.Version);
}
