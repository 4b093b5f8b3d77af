using Warden.Core.Configuration;

namespace Warden.Tests.Core;

/// <summary>The telemetry section and audit.onFailure: what they accept and how every mistake is reported.</summary>
public sealed class ObservabilityConfigTests
{
    [Fact]
    public void Parse_TelemetryAndOnFailure_ReadsEveryField()
    {
        var result = ConfigParser.Parse("""
            audit:
              onFailure: open
            telemetry:
              serviceName: warden-eu
              prometheus: false
              otlp:
                endpoint: https://otel.example.com:4318
                protocol: http/protobuf
                headers: { x-api-key: "${OTLP_KEY}", Authorization: "Basic a2V5OnZhbHVl,==" }
                traces: true
                metrics: false
                metricsInterval: 15s
                timeout: 5s
                sampleRatio: 0.25
            """, environment: name => name == "OTLP_KEY" ? "k-123" : null);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var config = result.Config!;
        Assert.Equal(AuditFailureMode.Open, config.Audit.OnFailure);
        Assert.Equal("warden-eu", config.Telemetry.ServiceName);
        Assert.False(config.Telemetry.Prometheus);
        var otlp = config.Telemetry.Otlp!;
        Assert.Equal(new Uri("https://otel.example.com:4318"), otlp.Endpoint);
        Assert.Equal(OtlpProtocol.HttpProtobuf, otlp.Protocol);
        Assert.Equal("k-123", otlp.Headers["x-api-key"]);
        Assert.Equal("Basic a2V5OnZhbHVl,==", otlp.Headers["authorization"]);
        Assert.True(otlp.Traces);
        Assert.False(otlp.Metrics);
        Assert.Equal(TimeSpan.FromSeconds(15), otlp.MetricsInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), otlp.Timeout);
        Assert.Equal(0.25, otlp.SampleRatio);
    }

    [Fact]
    public void Parse_Defaults_FailClosedPrometheusOnNoOtlp()
    {
        var config = ConfigParser.Parse("").Config!;
        Assert.Equal(AuditFailureMode.Closed, config.Audit.OnFailure);
        Assert.True(config.Telemetry.Prometheus);
        Assert.Null(config.Telemetry.Otlp);
        Assert.Equal("warden", config.Telemetry.ServiceName);
    }

    [Fact]
    public void Parse_TelemetryMistakes_ListsEveryOneWithItsPath_AndNeverAHeaderValue()
    {
        var result = ConfigParser.Parse("""
            audit:
              onFailure: sometimes
            telemetry:
              prometheus: maybe
              tracing: on
              otlp:
                endpoint: collector:4317
                protocol: thrift
                headers: { "bad header": s3cr3t-value }
                sampleRatio: 2
                metricsInterval: soon
            """);

        Assert.False(result.IsValid);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("audit.onFailure: must be one of closed, open, got 'sometimes'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.prometheus: must be true or false", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.tracing: is not a known setting", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.otlp.endpoint: must be the collector's absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.otlp.protocol: must be one of grpc, http/protobuf, got 'thrift'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.otlp.headers.bad header: is not a valid HTTP header name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.otlp.sampleRatio: must be a number from 0 to 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("telemetry.otlp.metricsInterval: must be a positive duration", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("s3cr3t-value", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_OtlpWithoutEndpoint_IsAnError()
    {
        var result = ConfigParser.Parse("telemetry:\n  otlp:\n    protocol: grpc\n");
        Assert.Equal("telemetry.otlp.endpoint", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void OtlpConfig_Printed_ShowsHeaderNamesButNeverValues()
    {
        var otlp = new OtlpConfig
        {
            Endpoint = new Uri("http://collector:4317"),
            Headers = new Dictionary<string, string> { ["x-api-key"] = "s3cr3t-value" },
        };

        var text = otlp.ToString() + " " + new WardenConfig { Telemetry = new TelemetryConfig { Otlp = otlp } };
        Assert.Contains("x-api-key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", text, StringComparison.Ordinal);
    }
}
