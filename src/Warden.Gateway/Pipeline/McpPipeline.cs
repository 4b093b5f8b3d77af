using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Pipeline;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Pipeline;

/// <summary>
/// The one ordered path every client request takes: identify caller (done at the HTTP boundary) →
/// resolve server and name → decide → forward → record. Each step is a replaceable service.
/// </summary>
internal sealed class McpPipeline(IDecisionPoint decisions, IAuditSink audit, TimeProvider time)
{
    public async Task<JsonRpcMessageWithId> RunAsync(GatewaySession session, JsonRpcRequest request, Exchange exchange, IMcpRouter router, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var target = router.Resolve(session, request);
        var action = new McpAction
        {
            Source = "mcp",
            Caller = session.Caller,
            Method = request.Method,
            Server = target.Server,
            Name = target.Name,
            Arguments = target.Arguments?.DeepClone(),
            SessionId = session.Ticket.Id,
            RequestId = request.Id.ToString(),
            ClientName = session.ClientName,
            ClientVersion = session.ClientVersion,
        };

        var decision = await decisions.DecideAsync(action, cancellationToken).ConfigureAwait(false);
        var response = decision.IsAllowed
            ? await router.ForwardAsync(session, request, exchange, target, cancellationToken).ConfigureAwait(false)
            : JsonRpcErrors.Create(request.Id, JsonRpcErrors.Denied, decision.Reason);

        if (Recorded(request.Method))
        {
            var (outcome, error) = Outcome(response, decision);
            await audit.RecordAsync(new AuditEntry
            {
                Timestamp = time.GetUtcNow(),
                Duration = time.GetElapsedTime(started),
                Action = action,
                Decision = decision,
                Outcome = outcome,
                Error = error,
            }, CancellationToken.None).ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>Records a request Warden answered itself (initialize) through the same record step.</summary>
    public ValueTask RecordAsync(McpAction action, long startedTimestamp, string outcome, string? error) =>
        audit.RecordAsync(new AuditEntry
        {
            Timestamp = time.GetUtcNow(),
            Duration = time.GetElapsedTime(startedTimestamp),
            Action = action,
            Decision = Decision.AllowAll,
            Outcome = outcome,
            Error = error,
        }, CancellationToken.None);

    // Keep-alives are not actions anyone audits.
    private static bool Recorded(string method) => method != RequestMethods.Ping;

    private static (string Outcome, string? Error) Outcome(JsonRpcMessageWithId response, Decision decision)
    {
        if (!decision.IsAllowed)
        {
            return ("denied", decision.Reason);
        }

        return response switch
        {
            JsonRpcError { Error: { Code: JsonRpcErrors.UpstreamUnavailable or JsonRpcErrors.RequestTimeout } e } => ("failed", e.Message),
            JsonRpcError e => ("error", e.Error.Message),
            JsonRpcResponse { Result: JsonObject result } when result["isError"] is JsonValue v && v.TryGetValue<bool>(out var isError) && isError => ("error", "tool reported isError"),
            _ => ("ok", null),
        };
    }
}
