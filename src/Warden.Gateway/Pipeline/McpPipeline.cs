using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Core.Audit.Extraction;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Pipeline;

/// <summary>
/// The one ordered path every client request takes: identify caller (done at the HTTP boundary) →
/// resolve server and name → decide → forward → record. Each step is a replaceable service. A response is
/// released only once its record is in the audit log; when the log cannot be written, calls are refused.
/// </summary>
internal sealed class McpPipeline(IDecisionPoint decisions, IAuditStore audit, WardenState state, TimeProvider time)
{
    public async Task<JsonRpcMessageWithId> RunAsync(GatewaySession session, JsonRpcRequest request, Exchange exchange, IMcpRouter router, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var recorded = Recorded(request.Method);
        if (recorded && audit.Unavailable is { } down)
        {
            return JsonRpcErrors.Create(request.Id, JsonRpcErrors.AuditUnavailable, down);
        }

        var target = router.Resolve(session, request);
        var action = new McpAction
        {
            Source = "mcp",
            Caller = session.Caller,
            Method = request.Method,
            Server = target.Server,
            Name = target.Name,
            Arguments = recorded ? target.Arguments?.DeepClone() : null,
            SessionId = session.Ticket.Id,
            RequestId = request.Id.ToString(),
            ClientName = session.ClientName,
            ClientVersion = session.ClientVersion,
        };

        var decision = await decisions.DecideAsync(action, cancellationToken).ConfigureAwait(false);
        var response = decision.IsAllowed
            ? await router.ForwardAsync(session, request, exchange, target, cancellationToken).ConfigureAwait(false)
            : JsonRpcErrors.Create(request.Id, JsonRpcErrors.Denied, decision.Reason);

        if (!recorded)
        {
            return response;
        }

        var config = state.Config.Audit;
        var record = McpAuditRecord.Create(action, decision, response, startedAt, time.GetElapsedTime(started), config.MaxOutputChars, time, state.Redactor, ExtractorFor(config));
        var appended = await audit.AppendAsync(record, CancellationToken.None).ConfigureAwait(false);
        return appended.Succeeded
            ? response
            : JsonRpcErrors.Create(request.Id, JsonRpcErrors.AuditUnavailable, $"The call ran, but Warden could not record it, so its result is withheld: {appended.Error}");
    }

    /// <summary>Records a request Warden answered itself (initialize) through the same record step; false when the log refused it.</summary>
    public async ValueTask<bool> RecordAsync(McpAction action, DateTimeOffset startedAt, long startedTimestamp, JsonRpcMessageWithId response)
    {
        var record = McpAuditRecord.Create(action, Decision.AllowAll, response, startedAt, time.GetElapsedTime(startedTimestamp), state.Config.Audit.MaxOutputChars, time, state.Redactor);
        return (await audit.AppendAsync(record, CancellationToken.None).ConfigureAwait(false)).Succeeded;
    }

    // One extractor per configuration (rebuilt when a reload changes the audit section). One reference, so
    // concurrent requests never see a configuration paired with another's extractor.
    private volatile CachedExtractor? _extractor;

    private ResourceExtractor ExtractorFor(AuditConfig config)
    {
        if (_extractor is { } cached && ReferenceEquals(cached.Config, config))
        {
            return cached.Extractor;
        }

        var extractor = config.Extract.Count == 0 ? ResourceExtractor.Default : new ResourceExtractor(config.Extract);
        _extractor = new CachedExtractor(config, extractor);
        return extractor;
    }

    private sealed record CachedExtractor(AuditConfig Config, ResourceExtractor Extractor);

    /// <summary>Why the audit log cannot be written, or null.</summary>
    public string? AuditUnavailable => audit.Unavailable;

    // Keep-alives are not actions anyone audits.
    private static bool Recorded(string method) => method != RequestMethods.Ping;
}
