using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>Spans and metrics for every call, as the OpenTelemetry MCP conventions name them, read back in process.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task ToolCall_StdioUpstream_ServerSpanFromMetaParentsClientSpan_TraceContextReachesUpstreamMeta()
    {
        using var spans = new SpanCollector();
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp/test");

        // The agent's own trace context travels in _meta, as the MCP conventions propagate it.
        var traceId = ActivityTraceId.CreateRandom();
        var agentSpan = ActivitySpanId.CreateRandom();
        var result = await client.CallToolAsync("echo_trace_context", new Dictionary<string, object?>(), options: new RequestOptions
        {
            Meta = new JsonObject { ["traceparent"] = $"00-{traceId}-{agentSpan}-01", ["tracestate"] = "agent=1" },
        });

        var trace = spans.Trace(traceId);
        var server = Assert.Single(trace, s => s.Kind == ActivityKind.Server);
        var upstream = Assert.Single(trace, s => s.Kind == ActivityKind.Client);
        Assert.Equal(agentSpan, server.ParentSpanId);
        Assert.Equal("tools/call echo_trace_context", server.DisplayName);
        Assert.Equal("tools/call", server.GetTagItem("mcp.method.name"));
        Assert.Equal("echo_trace_context", server.GetTagItem("gen_ai.tool.name"));
        Assert.Equal("execute_tool", server.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("tcp", server.GetTagItem("network.transport"));
        Assert.Equal("http", server.GetTagItem("network.protocol.name"));
        Assert.Equal("test", server.GetTagItem("warden.server"));
        Assert.Equal("2025-11-25", server.GetTagItem("mcp.protocol.version"));
        Assert.NotNull(server.GetTagItem("jsonrpc.request.id"));
        Assert.Equal("allow", server.GetTagItem("warden.decision"));
        Assert.Null(server.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, server.Status);

        // The upstream call is the server span's child, over stdio (pipe), and its context went into the request's _meta.
        Assert.Equal(server.SpanId, upstream.ParentSpanId);
        Assert.Equal("tools/call echo_trace_context", upstream.DisplayName);
        Assert.Equal("pipe", upstream.GetTagItem("network.transport"));
        Assert.Equal("test", upstream.GetTagItem("warden.server"));
        Assert.Equal("echo_trace_context", upstream.GetTagItem("gen_ai.tool.name"));
        var seen = JsonNode.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text)!;
        Assert.Equal(upstream.Id, seen["meta"]!["traceparent"]!.GetValue<string>());

        // The audit record of the call carries the span's trace id and names the span's session.
        var record = await warden.Services.GetRequiredService<IAuditStore>().FindAsync((string)server.GetTagItem("warden.audit.record_id")!, CancellationToken.None);
        Assert.NotNull(record);
        Assert.Equal("echo_trace_context", record.Input.Name);
        Assert.Equal(traceId.ToHexString(), record.TraceId);
        Assert.Equal(record.SessionId, server.GetTagItem("mcp.session.id"));
    }

    [Fact]
    public async Task ToolCall_HttpUpstream_TraceparentHeaderAndMetaCarryTheClientSpan()
    {
        using var spans = new SpanCollector();
        await using var upstream = await TestServerProcess.StartHttpAsync();
        await using var warden = await WardenHost.StartAsync(Configs.HttpTestServer(upstream.Url));
        await using var client = await warden.ConnectAsync("/mcp/web");

        var result = await client.CallToolAsync("echo_trace_context", new Dictionary<string, object?>());
        var seen = JsonNode.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text)!;
        Assert.True(ActivityContext.TryParse(seen["http"]!["traceparent"]!.GetValue<string>(), null, out var header), seen.ToJsonString());
        Assert.True(ActivityContext.TryParse(seen["meta"]!["traceparent"]!.GetValue<string>(), null, out var meta), seen.ToJsonString());

        // Both the HTTP header and _meta name the client span of this call, a child of the server span.
        var trace = spans.Trace(meta.TraceId);
        var clientSpan = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.SpanId == meta.SpanId);
        var serverSpan = Assert.Single(trace, s => s.Kind == ActivityKind.Server);
        Assert.Equal(serverSpan.SpanId, clientSpan.ParentSpanId);
        Assert.Equal(meta.TraceId, header.TraceId);
        Assert.Equal(clientSpan.SpanId, header.SpanId);
        Assert.Equal("tcp", clientSpan.GetTagItem("network.transport"));
        Assert.Equal("http", clientSpan.GetTagItem("network.protocol.name"));
        Assert.Equal("127.0.0.1", clientSpan.GetTagItem("server.address"));
        Assert.Equal(new Uri(upstream.Url).Port, clientSpan.GetTagItem("server.port"));
        Assert.NotNull(clientSpan.GetTagItem("mcp.session.id"));

        var record = await warden.Services.GetRequiredService<IAuditStore>().FindAsync((string)serverSpan.GetTagItem("warden.audit.record_id")!, CancellationToken.None);
        Assert.Equal(serverSpan.TraceId.ToHexString(), record!.TraceId);
    }

    [Fact]
    public async Task FailedAndDeniedCalls_SpansCarryErrorTypeAndErrorStatus()
    {
        using var spans = new SpanCollector();
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), services: s => s.AddSingleton<IDecisionPoint>(new DenyTool("echo_trace_context", "no-trace")));
        await using var client = await warden.ConnectAsync("/mcp/test");

        var toolError = ActivityTraceId.CreateRandom();
        await client.CallToolAsync("test_error_handling", new Dictionary<string, object?>(), options: Parent(toolError));
        var denied = ActivityTraceId.CreateRandom();
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo_trace_context", new Dictionary<string, object?>(), options: Parent(denied)).AsTask());

        var failed = Assert.Single(spans.Trace(toolError), s => s.Kind == ActivityKind.Server);
        Assert.Equal("tool_error", failed.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        var refused = Assert.Single(spans.Trace(denied));
        Assert.Equal(ActivityKind.Server, refused.Kind);
        Assert.Equal("-32011", refused.GetTagItem("error.type"));
        Assert.Equal("-32011", refused.GetTagItem("rpc.response.status_code"));
        Assert.Equal("deny", refused.GetTagItem("warden.decision"));
        Assert.Equal(ActivityStatusCode.Error, refused.Status);
        Assert.Equal("tool echo_trace_context is not allowed here", refused.StatusDescription);
    }

    [Fact]
    public async Task Metrics_AfterCalls_PrometheusTextCountsCallsDenialsAndDurations()
    {
        // A server name no other test uses: the meter is process-wide, so samples are picked by this label.
        var name = $"m{Guid.NewGuid():N}"[..20];
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(name), services: s => s.AddSingleton<IDecisionPoint>(new DenyTool("echo_trace_context", "no-trace")));
        await using var client = await warden.ConnectAsync($"/mcp/{name}");
        for (var i = 0; i < 3; i++)
        {
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = $"m{i}", ["delayMs"] = 0 });
        }

        await client.CallToolAsync("test_error_handling", new Dictionary<string, object?>());
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo_trace_context", new Dictionary<string, object?>()).AsTask());

        using var http = warden.AdminHttp();
        using var response = await http.GetAsync(warden.BaseUrl + "/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        var scrape = PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
        var server = $"warden_server={name}";

        Assert.Equal("counter", scrape.Types["warden_calls_total"]);
        Assert.Equal("gauge", scrape.Types["warden_upstream_up"]);
        Assert.Equal(3, scrape.Sum("warden_calls_total", server, "mcp_method_name=tools/call", "gen_ai_tool_name=slow_echo", "warden_outcome=ok"));
        Assert.Equal(1, scrape.Sum("warden_calls_total", server, "gen_ai_tool_name=test_error_handling", "warden_outcome=error"));
        Assert.Equal(1, scrape.Sum("warden_calls_total", server, "gen_ai_tool_name=echo_trace_context", "warden_outcome=denied"));
        Assert.Equal(1, scrape.Sum("warden_calls_total", server, "mcp_method_name=initialize", "warden_outcome=ok"));
        Assert.Equal(1, scrape.Sum("warden_denials_total", server, "gen_ai_tool_name=echo_trace_context", "warden_rule=no-trace"));

        // The call duration histogram: a count per call, cumulative buckets ending in +Inf = count, error.type on failures.
        Assert.Equal("histogram", scrape.Types["mcp_server_operation_duration_seconds"]);
        Assert.Equal(3, scrape.Sum("mcp_server_operation_duration_seconds_count", server, "gen_ai_tool_name=slow_echo"));
        Assert.Equal(1, scrape.Sum("mcp_server_operation_duration_seconds_count", server, "gen_ai_tool_name=test_error_handling", "error_type=tool_error"));
        var buckets = scrape.Find("mcp_server_operation_duration_seconds_bucket", server, "gen_ai_tool_name=slow_echo");
        Assert.Equal(15, buckets.Count);
        Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value));
        Assert.Equal(3, Assert.Single(buckets, b => b.Labels["le"] == "+Inf").Value);
        Assert.True(scrape.Sum("mcp_server_operation_duration_seconds_sum", server, "gen_ai_tool_name=slow_echo") > 0);

        // Upstream calls (initialize and the four forwarded calls), upstream health, and the audit write path.
        Assert.Equal(3, scrape.Sum("mcp_client_operation_duration_seconds_count", server, "gen_ai_tool_name=slow_echo", "network_transport=pipe"));
        Assert.Equal(1, scrape.Sum("mcp_client_operation_duration_seconds_count", server, "mcp_method_name=initialize"));
        Assert.Equal(1, Assert.Single(scrape.Find("warden_upstream_up", server, "warden_upstream_kind=stdio")).Value);
        Assert.True(scrape.Sum("warden_audit_write_duration_seconds_count", "warden_audit_outcome=stored") >= 6);
        Assert.NotEmpty(scrape.Find("warden_audit_queue_depth"));
        Assert.NotEmpty(scrape.Find("warden_audit_writable"));
    }

    [Fact]
    public async Task Metrics_ForeignHost_IsRefusedLikeTheOtherAdminEndpoints()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, warden.BaseUrl + "/metrics");
        request.Headers.Host = "attacker.example";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_PrometheusOff_EndpointIsNotServed()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer() + "\ntelemetry:\n  prometheus: false\n");
        using var http = warden.AdminHttp();
        using var response = await http.GetAsync(warden.BaseUrl + "/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("http/protobuf")]
    [InlineData("grpc")]
    public async Task Otlp_AfterCalls_SpansAndMetricsReachTheCollectorWithTheConfiguredHeaders(string protocol)
    {
        await using var collector = await OtlpCollector.StartAsync(grpc: protocol == "grpc");
        var yaml = Configs.StdioTestServer("otlp") + $$"""

            telemetry:
              otlp:
                endpoint: {{collector.Url}}
                protocol: {{protocol}}
                headers: { x-api-key: "k=1,2%3" }
            """;
        await using (var warden = await WardenHost.StartAsync(yaml))
        {
            await using var client = await warden.ConnectAsync("/mcp/otlp");
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "exported", ["delayMs"] = 0 });
        }

        // Stopping Warden flushed both pipelines. Other tests' Wardens share the process (and the activity
        // source), so only the presence of this test's span and metrics is asserted.
        var traces = protocol == "grpc" ? "/opentelemetry.proto.collector.trace.v1.TraceService/Export" : "/v1/traces";
        var metrics = protocol == "grpc" ? "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export" : "/v1/metrics";
        var spanExport = collector.Exports.FirstOrDefault(e => e.Path == traces && e.Contains("tools/call slow_echo") && e.Contains("otlp"));
        Assert.True(spanExport is not null, string.Join(", ", collector.Exports.Select(e => e.Path)));
        Assert.Equal("k=1,2%3", spanExport.Headers["x-api-key"]);
        Assert.StartsWith(protocol == "grpc" ? "application/grpc" : "application/x-protobuf", spanExport.ContentType, StringComparison.Ordinal);
        Assert.Contains("mcp.method.name", System.Text.Encoding.UTF8.GetString(spanExport.Body), StringComparison.Ordinal);
        var metricExport = collector.Exports.FirstOrDefault(e => e.Path == metrics && e.Contains("warden.calls") && e.Contains("otlp"));
        Assert.True(metricExport is not null, string.Join(", ", collector.Exports.Select(e => e.Path)));
        Assert.Equal("k=1,2%3", metricExport.Headers["x-api-key"]);
        Assert.True(metricExport.Contains("mcp.server.operation.duration"));
    }

    private static RequestOptions Parent(ActivityTraceId traceId) =>
        new() { Meta = new JsonObject { ["traceparent"] = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01" } };

    /// <summary>A policy that denies one tool.</summary>
    private sealed class DenyTool(string tool, string rule) : IDecisionPoint
    {
        public ValueTask<Decision> DecideAsync(McpAction action, CancellationToken cancellationToken) =>
            ValueTask.FromResult(action.Method == "tools/call" && action.Name == tool ? Decision.Deny($"tool {tool} is not allowed here", rule) : Decision.AllowAll);
    }
}
