using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Core.Audit.Extraction;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Gateway.Authorization;
using Warden.Gateway.Hosting;
using Warden.Gateway.Mcp;
using Warden.Gateway.Telemetry;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Pipeline;

/// <summary>
/// The one ordered path every client request takes: identify caller (done at the HTTP boundary) →
/// resolve server and name → authorize (role) → decide (guardrails) → forward → filter lists (role) → record.
/// Each step is a replaceable service. A response is released only once its record is in the audit log; when
/// the log cannot be written, calls are refused.
/// </summary>
internal sealed class McpPipeline(IDecisionPoint decisions, IAuditStore audit, WardenState state, TimeProvider time, WardenMetrics metrics, RoleAccess roles, RoleAuthorizer authorizer)
{
    public async Task<JsonRpcMessageWithId> RunAsync(GatewaySession session, JsonRpcRequest request, Exchange exchange, IMcpRouter router, CancellationToken cancellationToken, TransportContext transport = default)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var recorded = Recorded(request.Method);
        var parent = recorded ? McpSpans.ParentOf(request.Params, transport) : default;
        using var span = recorded ? McpSpans.StartServer(request.Method, request.Id, parent, transport) : null;
        if (recorded && audit.Unavailable is { } down)
        {
            var refused = JsonRpcErrors.Create(request.Id, JsonRpcErrors.AuditUnavailable, down);
            var call = new CallTags(request.Method, session.IsAggregate ? null : session.Ticket.Route, RequestFields.Read(request).Name, session.Ticket.ProtocolVersion);
            McpSpans.Describe(span, call, session.Ticket.Id);
            Complete(span, call, refused, CallOutcome.AuditUnavailable, null, started);
            return refused;
        }

        var target = router.Resolve(session, request);
        var tags = new CallTags(request.Method, target.Server, target.Name, session.Ticket.ProtocolVersion);
        McpSpans.Describe(span, tags, session.Ticket.Id);

        // Roles are read from the configuration in force now and the caller as identified on this request.
        var caller = exchange.Caller ?? session.Caller;
        var access = roles.For(caller);
        var role = await authorizer.AuthorizeAsync(session, request, target, access, cancellationToken).ConfigureAwait(false);
        var action = new McpAction
        {
            Source = "mcp",
            Caller = caller with { Roles = access.Roles },
            Justification = role.Justification,
            Method = request.Method,
            Server = target.Server,
            Name = target.Name,
            Arguments = recorded ? target.Arguments?.DeepClone() : null,
            SessionId = session.Ticket.Id,
            RequestId = (exchange.OriginalId ?? request.Id).ToString(),
            ClientName = session.ClientName,
            ClientVersion = session.ClientVersion,
        };

        var decision = role switch
        {
            { Answer: not null } => role.Decision!.Value,
            { Decision: { } allowed } => Combine(allowed, await decisions.DecideAsync(action, cancellationToken).ConfigureAwait(false)),
            _ => await decisions.DecideAsync(action, cancellationToken).ConfigureAwait(false),
        };
        var response = role.Answer ?? (decision.IsAllowed
            ? await router.ForwardAsync(session, request, exchange, target, cancellationToken).ConfigureAwait(false)
            : JsonRpcErrors.Create(request.Id, JsonRpcErrors.Denied, decision.Reason));
        if (!access.Unrestricted)
        {
            response = Restricted(session, request, response, access);
        }

        if (!recorded)
        {
            return response;
        }

        var config = state.Config.Audit;
        var record = McpAuditRecord.Create(action, decision, response, startedAt, time.GetElapsedTime(started), config.MaxOutputChars, time, McpSpans.TraceId(span, parent), session.RedactorFor(state.Redactor), ExtractorFor(config));
        var appended = await AppendAsync(record, span).ConfigureAwait(false);
        if (!appended.Succeeded)
        {
            var withheld = JsonRpcErrors.Create(request.Id, JsonRpcErrors.AuditUnavailable, $"The call ran, but Warden could not record it, so its result is withheld: {appended.Error}");
            Complete(span, tags, withheld, CallOutcome.AuditUnavailable, decision, started);
            return withheld;
        }

        var outcome = !decision.IsAllowed ? CallOutcome.Denied : McpSpans.ErrorType(response) is null ? CallOutcome.Ok : CallOutcome.Error;
        Complete(span, tags, response, outcome, decision, started);
        return response;
    }

    // The role rule that allowed the action, then the guardrails' own verdict and rules.
    private static Decision Combine(Decision role, Decision guardrails) =>
        guardrails with
        {
            Reason = ReferenceEquals(guardrails.Reason, Decision.AllowAll.Reason) ? role.Reason : guardrails.Reason,
            RuleIds = [.. role.RuleIds, .. guardrails.RuleIds],
        };

    // What a restricted caller gets back: lists hold only what they may use, and an upstream's own "no such resource"
    // reads like Warden's answer for a hidden one.
    private static JsonRpcMessageWithId Restricted(GatewaySession session, JsonRpcRequest request, JsonRpcMessageWithId response, Core.Authorization.CallerAccess access)
    {
        if (response is JsonRpcResponse { Result: JsonObject result } && ListFilter.Filters(request.Method))
        {
            ListFilter.Apply(session, request.Method, result, access);
        }
        else if (response is JsonRpcError { Error.Code: JsonRpcErrors.ResourceNotFound or JsonRpcErrors.InvalidParams }
            && request.Method is RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe)
        {
            return NotFoundAnswers.Resource(request.Id, request.Method, RequestFields.Read(request).Name);
        }

        return response;
    }

    /// <summary>Starts the server span of a request Warden answers itself (initialize); null when no one records spans.</summary>
    public static Activity? StartSpan(JsonRpcRequest request, TransportContext transport, out ActivityContext parent)
    {
        parent = McpSpans.ParentOf(request.Params, transport);
        return McpSpans.StartServer(request.Method, request.Id, parent, transport);
    }

    /// <summary>
    /// Records a request Warden answered itself (initialize) through the same record step and ends its span; false
    /// when the log refused it.
    /// </summary>
    public async ValueTask<bool> RecordAsync(McpAction action, DateTimeOffset startedAt, long startedTimestamp, JsonRpcMessageWithId response, Activity? span, ActivityContext parent, string? protocolVersion)
    {
        var tags = new CallTags(action.Method, action.Server, action.Name, protocolVersion);
        McpSpans.Describe(span, tags, action.SessionId);
        var record = McpAuditRecord.Create(action, Decision.AllowAll, response, startedAt, time.GetElapsedTime(startedTimestamp), state.Config.Audit.MaxOutputChars, time, McpSpans.TraceId(span, parent), state.Redactor);
        var appended = await AppendAsync(record, span).ConfigureAwait(false);
        Complete(span, tags, response, appended.Succeeded ? McpSpans.ErrorType(response) is null ? CallOutcome.Ok : CallOutcome.Error : CallOutcome.AuditUnavailable, Decision.AllowAll, startedTimestamp);
        return appended.Succeeded;
    }

    /// <summary>Ends the span and counts a request that was refused before it ran (the audit log cannot be written).</summary>
    public void Refused(Activity? span, string method, string? server, JsonRpcMessageWithId response, long startedTimestamp) =>
        Complete(span, new CallTags(method, server, null, null), response, CallOutcome.AuditUnavailable, null, startedTimestamp);

    private async ValueTask<AuditAppendResult> AppendAsync(AuditRecord record, Activity? span)
    {
        var started = time.GetTimestamp();
        var appended = await audit.AppendAsync(record, CancellationToken.None).ConfigureAwait(false);
        metrics.AuditWrite(appended, time.GetElapsedTime(started));
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(SemanticConventions.WardenAuditRecordId, record.Id);
        }

        return appended;
    }

    private void Complete(Activity? span, in CallTags tags, JsonRpcMessageWithId response, CallOutcome outcome, Decision? decision, long startedTimestamp)
    {
        var errorType = McpSpans.ErrorType(response);
        McpSpans.Complete(span, response, errorType);
        if (span is { IsAllDataRequested: true } && decision is { } d)
        {
            span.SetTag(SemanticConventions.WardenDecision, d.IsAllowed ? "allow" : "deny");
        }

        metrics.Call(tags, outcome, errorType, time.GetElapsedTime(startedTimestamp), decision is { IsAllowed: false } denied ? (denied.RuleIds.Count > 0 ? denied.RuleIds[0] : null) : null);
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
