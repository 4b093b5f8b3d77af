using System.Diagnostics;
using System.Diagnostics.Metrics;
using Warden.Core.Audit;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;
using static Warden.Gateway.Telemetry.SemanticConventions;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// Warden's meter and its instruments. A measurement nobody listens to costs a flag check, so callers record
/// unconditionally; tags are only built when an instrument is enabled.
/// </summary>
internal sealed class WardenMetrics : IDisposable
{
    // The MCP conventions advise these boundaries for operation durations.
    private static readonly double[] OperationBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    // An audit append is a queue hop and a group commit: sub-millisecond to a few milliseconds when healthy.
    private static readonly double[] AuditBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _denials;
    private readonly Histogram<double> _serverDuration;
    private readonly Histogram<double> _clientDuration;
    private readonly Histogram<double> _auditWrite;
    private int _upstreamsObserved;
    private int _auditObserved;

    public WardenMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(WardenDiagnostics.Name, WardenInfo.Version) ?? new Meter(WardenDiagnostics.Name, WardenInfo.Version);
        _calls = _meter.CreateCounter<long>("warden.calls", "{call}", "Client requests Warden handled, by server, method, tool or prompt, and outcome (ok, error, denied, audit_unavailable).");
        _denials = _meter.CreateCounter<long>("warden.denials", "{call}", "Client requests the policy denied, by server, method, tool and rule.");
        _serverDuration = _meter.CreateHistogram("mcp.server.operation.duration", "s", "Duration of client requests as Warden served them, from receipt to response (audit record included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OperationBuckets });
        _clientDuration = _meter.CreateHistogram("mcp.client.operation.duration", "s", "Duration of requests Warden sent to upstream servers, until their response.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OperationBuckets });
        _auditWrite = _meter.CreateHistogram("warden.audit.write.duration", "s", "How long a call waited for its audit record to be written (queue and group commit, or spool).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AuditBuckets });
    }

    /// <summary>One client request, at its end.</summary>
    public void Call(in CallTags call, CallOutcome outcome, string? errorType, TimeSpan elapsed, string? deniedBy)
    {
        if (_calls.Enabled)
        {
            var tags = call.Base();
            tags.Add(WardenOutcome, Name(outcome));
            _calls.Add(1, tags);
        }

        if (outcome == CallOutcome.Denied && _denials.Enabled)
        {
            var tags = call.Base();
            tags.Add(WardenRule, deniedBy ?? "");
            _denials.Add(1, tags);
        }

        if (_serverDuration.Enabled)
        {
            var tags = call.Base();
            if (call.ProtocolVersion is { } version)
            {
                tags.Add(McpProtocolVersion, version);
            }

            if (errorType is not null)
            {
                tags.Add(ErrorType, errorType);
            }

            _serverDuration.Record(elapsed.TotalSeconds, tags);
        }
    }

    /// <summary>One request to an upstream, at its end.</summary>
    public void UpstreamCall(in CallTags call, string transport, string? errorType, TimeSpan elapsed)
    {
        if (!_clientDuration.Enabled)
        {
            return;
        }

        var tags = call.Base();
        tags.Add(NetworkTransport, transport);
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _clientDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>One audit append as the call saw it.</summary>
    public void AuditWrite(AuditAppendResult result, TimeSpan elapsed)
    {
        if (_auditWrite.Enabled)
        {
            _auditWrite.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(WardenAuditOutcome, !result.Succeeded ? "failed" : result.Spooled ? "spooled" : "stored"));
        }
    }

    /// <summary>Publishes upstream health as gauges (once; the registry calls this when it is created).</summary>
    public void ObserveUpstreams(Func<IReadOnlyList<UpstreamHealth>> health)
    {
        if (Interlocked.Exchange(ref _upstreamsObserved, 1) == 1)
        {
            return;
        }

        _meter.CreateObservableGauge("warden.upstream.up", () => health().Select(h => new Measurement<int>(h.Healthy ? 1 : 0, Server(h))), "{server}",
            "1 while an upstream server is healthy (its last start or connection succeeded), 0 while it is failing.");
        _meter.CreateObservableGauge("warden.upstream.connections", () => health().Select(h => new Measurement<int>(h.Connections, Server(h))), "{connection}",
            "Open connections to each upstream server (stdio processes or HTTP sessions).");
    }

    /// <summary>Publishes the audit store's queue depth, spool size and availability as gauges (once).</summary>
    public void ObserveAudit(IAuditStore store)
    {
        if (Interlocked.Exchange(ref _auditObserved, 1) == 1)
        {
            return;
        }

        _meter.CreateObservableGauge("warden.audit.queue.depth", () => store.QueueDepth, "{record}", "Audit records waiting to be committed.");
        _meter.CreateObservableGauge("warden.audit.spooled", () => store.Spooled, "{record}", "Audit records kept in the local spool file until the log can be written (audit.onFailure: open).");
        _meter.CreateObservableGauge("warden.audit.writable", () => store.Unavailable is null && store.Spooled == 0 ? 1 : 0, "{log}", "1 while the audit log can be written directly, 0 while calls are refused or spooled.");
    }

    private static KeyValuePair<string, object?>[] Server(UpstreamHealth health) =>
        [new(WardenServer, health.Name), new(WardenUpstreamKind, health.Kind)];

    private static string Name(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Ok => "ok",
        CallOutcome.Error => "error",
        CallOutcome.Denied => "denied",
        _ => "audit_unavailable",
    };

    public void Dispose() => _meter.Dispose();
}

/// <summary>The attributes that identify a call in metrics: method, server, tool or prompt, protocol version.</summary>
internal readonly record struct CallTags(string Method, string? Server, string? Name, string? ProtocolVersion)
{
    public TagList Base()
    {
        var tags = new TagList { { McpMethodName, Method }, { WardenServer, Server ?? "" } };
        switch (Method)
        {
            case "tools/call":
                tags.Add(GenAiToolName, Name ?? "");
                tags.Add(GenAiOperationName, ExecuteTool);
                break;
            case "prompts/get":
                tags.Add(GenAiPromptName, Name ?? "");
                break;
        }

        return tags;
    }
}
