namespace Warden.Core.Configuration;

/// <summary>Traces and metrics: what Warden exports and where (the <c>telemetry</c> section).</summary>
public sealed record TelemetryConfig
{
    /// <summary>The <c>service.name</c> resource attribute on every span and metric.</summary>
    public string ServiceName { get; init; } = "warden";

    /// <summary>Serve the metrics as Prometheus text at <c>GET /metrics</c>.</summary>
    public bool Prometheus { get; init; } = true;

    /// <summary>Where to push traces and metrics over OTLP; null sends nothing.</summary>
    public OtlpConfig? Otlp { get; init; }
}
