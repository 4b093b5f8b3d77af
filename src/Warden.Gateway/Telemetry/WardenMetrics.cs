using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Warden.Core.Audit;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;
using static Warden.Gateway.Telemetry.SemanticConventions;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// Warden's meter and its instruments. A measurement nobody listens to costs a flag check, so callers record
/// unconditionally; tags are only built when an instrument is enabled. The meter and instruments are
/// process-wide and never disposed, as the SDK's conventions have it: an instrument disposed under a meter
/// provider ends the metric it shares with every other instrument of the same name, and tests start several
/// Wardens in one process. Each Warden adds its own upstreams and audit store to the gauges while it lives.
/// </summary>
internal sealed class WardenMetrics : IDisposable
{
    // The MCP conventions advise these boundaries for operation durations.
    private static readonly double[] OperationBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    // An audit append is a queue hop and a group commit: sub-millisecond to a few milliseconds when healthy.
    private static readonly double[] AuditBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly ConcurrentDictionary<WardenMetrics, byte> Live = new();
    private static readonly Meter Meter = new(WardenDiagnostics.Name, WardenInfo.Version);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("warden.calls", "{call}",
        "Client requests Warden handled, by server, method, tool or prompt, and outcome (ok, error, denied, audit_unavailable).");
    private static readonly Counter<long> Denials = Meter.CreateCounter<long>("warden.denials", "{call}", "Client requests the policy denied, by server, method, tool and rule.");
    private static readonly Histogram<double> ServerDuration = Meter.CreateHistogram("mcp.server.operation.duration", "s",
        "Duration of client requests as Warden served them, from receipt to response (audit record included).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OperationBuckets });
    private static readonly Histogram<double> ClientDuration = Meter.CreateHistogram("mcp.client.operation.duration", "s",
        "Duration of requests Warden sent to upstream servers, until their response.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OperationBuckets });
    private static readonly Histogram<double> AuditWriteDuration = Meter.CreateHistogram("warden.audit.write.duration", "s",
        "How long a call waited for its audit record to be written (queue and group commit, or spool).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AuditBuckets });

    static WardenMetrics()
    {
        Meter.CreateObservableGauge("warden.upstream.up", () => Upstreams(h => h.Healthy ? 1 : 0), "{server}",
            "1 while an upstream server is healthy (its last start or connection succeeded), 0 while it is failing.");
        Meter.CreateObservableGauge("warden.upstream.connections", () => Upstreams(h => h.Connections), "{connection}",
            "Open connections to each upstream server (stdio processes or HTTP sessions).");
        Meter.CreateObservableGauge("warden.audit.queue.depth", () => Audit(s => s.QueueDepth), "{record}", "Audit records waiting to be committed.");
        Meter.CreateObservableGauge("warden.audit.spooled", () => Audit(s => s.Spooled), "{record}",
            "Audit records kept in the local spool file until the log can be written (audit.onFailure: open).");
        Meter.CreateObservableGauge("warden.audit.writable", () => Audit(s => s.Unavailable is null && s.Spooled == 0 ? 1 : 0), "{log}",
            "1 while the audit log can be written directly, 0 while calls are refused or spooled.");
    }

    private Func<IReadOnlyList<UpstreamHealth>>? _health;
    private IAuditStore? _audit;

    public WardenMetrics() => Live[this] = 0;

    /// <summary>One client request, at its end.</summary>
    public void Call(in CallTags call, CallOutcome outcome, string? errorType, TimeSpan elapsed, string? deniedBy)
    {
        if (Calls.Enabled)
        {
            var tags = call.Base();
            tags.Add(WardenOutcome, Name(outcome));
            Calls.Add(1, tags);
        }

        if (outcome == CallOutcome.Denied && Denials.Enabled)
        {
            var tags = call.Base();
            tags.Add(WardenRule, deniedBy ?? "");
            Denials.Add(1, tags);
        }

        if (ServerDuration.Enabled)
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

            ServerDuration.Record(elapsed.TotalSeconds, tags);
        }
    }

    /// <summary>One request to an upstream, at its end.</summary>
    public void UpstreamCall(in CallTags call, string transport, string? errorType, TimeSpan elapsed)
    {
        if (!ClientDuration.Enabled)
        {
            return;
        }

        var tags = call.Base();
        tags.Add(NetworkTransport, transport);
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        ClientDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>One audit append as the call saw it.</summary>
    public void AuditWrite(AuditAppendResult result, TimeSpan elapsed)
    {
        if (AuditWriteDuration.Enabled)
        {
            AuditWriteDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(WardenAuditOutcome, !result.Succeeded ? "failed" : result.Spooled ? "spooled" : "stored"));
        }
    }

    /// <summary>Adds this Warden's upstreams to the health gauges (the registry calls this when it is created).</summary>
    public void ObserveUpstreams(Func<IReadOnlyList<UpstreamHealth>> health) => _health = health;

    /// <summary>Adds this Warden's audit store to the queue-depth, spool and availability gauges.</summary>
    public void ObserveAudit(IAuditStore store) => _audit = store;

    private static IEnumerable<Measurement<int>> Upstreams(Func<UpstreamHealth, int> value) =>
        Live.Keys.SelectMany(m => m._health?.Invoke() ?? []).Select(h => new Measurement<int>(value(h), new(WardenServer, h.Name), new(WardenUpstreamKind, h.Kind)));

    private static IEnumerable<Measurement<long>> Audit(Func<IAuditStore, long> value) =>
        Live.Keys.Where(m => m._audit is not null).Select(m => new Measurement<long>(value(m._audit!)));

    private static string Name(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Ok => "ok",
        CallOutcome.Error => "error",
        CallOutcome.Denied => "denied",
        _ => "audit_unavailable",
    };

    public void Dispose() => Live.TryRemove(this, out _);
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
