using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Warden.Core.Audit;
using Warden.Core.Configuration;
using Warden.Gateway.Telemetry;
using Warden.Gateway.Upstreams;

namespace Warden.Benchmarks.Telemetry;

/// <summary>
/// The telemetry work of one forwarded tools/call, as McpPipeline and UpstreamConnection do it: parent lookup,
/// server and client spans, and the four measurements. Off: nothing listens (no exporter configured, prometheus
/// off); Metrics: the default, /metrics aggregating; Traces: spans recorded too (an OTLP exporter configured).
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private static readonly RequestId Id = new(7);
    private static readonly CallTags Tags = new("tools/call", "test", "slow_echo", "2025-11-25");
    private readonly JsonRpcResponse _response = new() { Id = Id, Result = new JsonObject { ["content"] = new JsonArray() } };
    private WardenMetrics _metrics = null!;
    private MeterProvider? _meters;
    private ActivityListener? _spans;
    private UpstreamConnection _connection = null!;
    private JsonRpcRequest _request = null!;

    [Params("Off", "Metrics", "Traces")]
    public string Listening { get; set; } = "Off";

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new WardenMetrics();
        if (Listening != "Off")
        {
            _meters = Sdk.CreateMeterProviderBuilder().AddMeter(WardenDiagnostics.Name).AddReader(new BaseExportingMetricReader(new PrometheusExporter())).Build();
        }

        if (Listening == "Traces")
        {
            _spans = new ActivityListener
            {
                ShouldListenTo = source => source.Name == WardenDiagnostics.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_spans);
        }

        _connection = new UpstreamConnection(new ServerConfig { Name = "test", Kind = UpstreamKind.Stdio, Command = "true" }, new IdleTransport(), shared: false, NullLogger.Instance, TimeProvider.System, _metrics);
        _request = new JsonRpcRequest { Id = Id, Method = "tools/call", Params = new JsonObject { ["name"] = "slow_echo", ["arguments"] = new JsonObject { ["message"] = "hi" } } };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _spans?.Dispose();
        _meters?.Dispose();
        _metrics.Dispose();
    }

    [Benchmark]
    public void OneCall()
    {
        var parent = McpSpans.ParentOf(_request.Params, default);
        using var server = McpSpans.StartServer("tools/call", Id, parent, default);
        McpSpans.Describe(server, Tags, "session-1");
        using (var client = McpSpans.StartClient(_connection, _request, "slow_echo"))
        {
            McpSpans.Complete(client, _response, null);
            _metrics.UpstreamCall(Tags, "pipe", null, TimeSpan.FromMilliseconds(0.3));
        }

        _metrics.AuditWrite(new AuditAppendResult(null, "x"), TimeSpan.FromMilliseconds(0.2));
        McpSpans.Complete(server, _response, null);
        _metrics.Call(Tags, CallOutcome.Ok, null, TimeSpan.FromMilliseconds(0.7), null);
    }

    /// <summary>A transport that never answers: the connection is only needed for its name and kind.</summary>
    private sealed class IdleTransport : ModelContextProtocol.Protocol.ITransport
    {
        private readonly Channel<JsonRpcMessage> _messages = Channel.CreateUnbounded<JsonRpcMessage>();

        public string? SessionId => null;

        public ChannelReader<JsonRpcMessage> MessageReader => _messages.Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            _messages.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
