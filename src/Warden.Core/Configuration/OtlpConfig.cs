using System.Text;

namespace Warden.Core.Configuration;

/// <summary>An OTLP collector Warden pushes traces and metrics to (<c>telemetry.otlp</c>).</summary>
public sealed record OtlpConfig
{
    /// <summary>
    /// The collector: for grpc its base URL (http://collector:4317); for http/protobuf either a base URL, to which
    /// /v1/traces and /v1/metrics are appended, or nothing but the scheme, host and port.
    /// </summary>
    public required Uri Endpoint { get; init; }

    public OtlpProtocol Protocol { get; init; } = OtlpProtocol.Grpc;

    /// <summary>Headers sent with every export (API keys and tokens: these are secrets and are never logged or printed).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public bool Traces { get; init; } = true;

    public bool Metrics { get; init; } = true;

    /// <summary>How often metrics are pushed.</summary>
    public TimeSpan MetricsInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one export may take before it is abandoned.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The share of new traces that are recorded (0 to 1); a caller's sampled trace is always followed.</summary>
    public double SampleRatio { get; init; } = 1.0;

    // A record prints every property; header values are credentials, so only their names are shown.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, Protocol = {Protocol}, Headers = [{string.Join(", ", Headers.Keys)}] (values hidden), ");
        builder.Append($"Traces = {Traces}, Metrics = {Metrics}, MetricsInterval = {MetricsInterval}, Timeout = {Timeout}, SampleRatio = {SampleRatio}");
        return true;
    }
}

/// <summary>The OTLP wire protocol.</summary>
public enum OtlpProtocol
{
    Grpc,
    HttpProtobuf,
}
