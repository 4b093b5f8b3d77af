using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Warden.Core.Audit.Redaction;
using Warden.Core.Configuration;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// The OpenTelemetry SDK pipelines the <c>telemetry</c> section asks for: a meter provider feeding
/// <c>/metrics</c> and/or an OTLP exporter, and a tracer provider when traces go to OTLP. Nothing listens to
/// Warden's activity source otherwise, so spans cost nothing. Disposing flushes what is still buffered.
/// </summary>
internal sealed partial class TelemetryProviders : IDisposable
{
    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;

    /// <param name="redactor">The redactor in force, applied to every span before it is exported.</param>
    public TelemetryProviders(WardenConfig config, ILogger<TelemetryProviders> logger, Func<SecretRedactor>? redactor = null)
    {
        var telemetry = config.Telemetry;
        var otlp = telemetry.Otlp;
        var resource = ResourceBuilder.CreateEmpty().AddService(telemetry.ServiceName, serviceVersion: WardenInfo.Version);
        if (telemetry.Prometheus || otlp is { Metrics: true })
        {
            var builder = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(WardenDiagnostics.Name);
            if (telemetry.Prometheus)
            {
                Prometheus = new PrometheusExporter();
                builder.AddReader(new BaseExportingMetricReader(Prometheus));
            }

            if (otlp is { Metrics: true })
            {
                builder.AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, otlp, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.MetricsInterval.TotalMilliseconds;
                    reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                });
            }

            _meters = builder.Build();
        }

        if (otlp is { Traces: true })
        {
            _tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(WardenDiagnostics.Name)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(otlp.SampleRatio)))
                .AddProcessor(new RedactingSpanProcessor(redactor ?? (() => SecretRedactor.Default)))
                .AddOtlpExporter(exporter => Configure(exporter, otlp, "v1/traces"))
                .Build();
        }

        if (otlp is not null)
        {
            // The endpoint without user:password or query (either may hold a credential); header values are never logged.
            var endpoint = new UriBuilder(otlp.Endpoint) { UserName = "", Password = "", Query = "" }.Uri;
            LogOtlp(logger, otlp.Traces ? "traces" : "no traces", otlp.Metrics ? "metrics" : "no metrics", otlp.Protocol == OtlpProtocol.Grpc ? "grpc" : "http/protobuf", endpoint, otlp.Headers.Count);
        }
    }

    /// <summary>The exporter behind <c>GET /metrics</c>, or null when <c>telemetry.prometheus</c> is false.</summary>
    public PrometheusExporter? Prometheus { get; }

    private static void Configure(OtlpExporterOptions exporter, OtlpConfig otlp, string signalPath)
    {
        exporter.Protocol = otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        exporter.Endpoint = otlp.Protocol == OtlpProtocol.HttpProtobuf && otlp.Endpoint.AbsolutePath is "/" or ""
            ? new Uri(otlp.Endpoint, signalPath)
            : otlp.Endpoint;
        exporter.TimeoutMilliseconds = (int)otlp.Timeout.TotalMilliseconds;

        // Headers go on the exporter's HttpClient rather than in OtlpExporterOptions.Headers, whose comma-separated,
        // URL-decoded string form would mangle values holding ',' or '%'.
        exporter.HttpClientFactory = () =>
        {
            var client = new HttpClient { Timeout = otlp.Timeout };
            foreach (var (name, value) in otlp.Headers)
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
            }

            return client;
        };
    }

    public void Dispose()
    {
        _tracer?.Dispose();
        _meters?.Dispose();
        Prometheus?.Dispose();
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Telemetry: exporting {Traces} and {Metrics} over OTLP ({Protocol}) to {Endpoint} with {HeaderCount} configured header(s)")]
    private static partial void LogOtlp(ILogger logger, string traces, string metrics, string protocol, Uri endpoint, int headerCount);
}
