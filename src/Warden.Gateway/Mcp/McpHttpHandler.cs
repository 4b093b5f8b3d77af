using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Pipeline;
using Warden.Gateway.Authorization;
using Warden.Gateway.Hosting;
using Warden.Gateway.Pipeline;
using Warden.Gateway.Security.Authentication;
using Warden.Gateway.Telemetry;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// The Streamable HTTP transport as clients see it: POST for messages, GET for the server's own stream,
/// DELETE to end a session. Every error leaves as one JSON-RPC error that says what to do.
/// </summary>
internal sealed partial class McpHttpHandler(
    SessionStore sessions,
    Handshake handshake,
    McpPipeline pipeline,
    AggregateRouter aggregate,
    ModernHandler modern,
    UpstreamRegistry upstreams,
    ICallerIdentifier identifier,
    RoleAccess roles,
    WardenState state,
    TimeProvider time,
    ILogger<McpHttpHandler> logger)
{
    private const string SessionHeader = "Mcp-Session-Id";
    private static readonly JsonSerializerOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private JsonSerializerOptions? _readOptions;
    private int _readDepth;

    public async Task PostAsync(HttpContext http, string? server, string? user = null)
    {
        // Who first, then what they may reach: a server the caller's roles do not reach is answered as unknown.
        if (await CallerOfAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        if (await RouteOfAsync(http, server, user, caller).ConfigureAwait(false) is not { } route)
        {
            return;
        }

        if (!AcceptsBoth(http.Request))
        {
            await ErrorAsync(http, StatusCodes.Status406NotAcceptable, JsonRpcErrors.InvalidRequest, "The Accept header must include both application/json and text/event-stream.").ConfigureAwait(false);
            return;
        }

        if (http.Request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(http, StatusCodes.Status415UnsupportedMediaType, JsonRpcErrors.InvalidRequest, "Content-Type must be application/json.").ConfigureAwait(false);
            return;
        }

        var limit = state.Config.Limits.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            await ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, JsonRpcErrors.InvalidRequest, $"The request body is larger than the {limit} bytes allowed (limits.maxRequestBodyBytes).").ConfigureAwait(false);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        JsonRpcMessage? message;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
            var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (body.Span.TrimStart(" \t\r\n"u8) is [(byte)'[', ..])
            {
                await ErrorAsync(http, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, "JSON-RPC batches are not part of MCP since 2025-06-18; send one message per POST.").ConfigureAwait(false);
                return;
            }

            if (JsonText.HasUnpairedSurrogate(body.Span))
            {
                await ErrorAsync(http, StatusCodes.Status400BadRequest, JsonRpcErrors.ParseError,
                    "The body holds a string with an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF without its pair); JSON-RPC messages must be valid Unicode.").ConfigureAwait(false);
                return;
            }

            message = JsonSerializer.Deserialize(body.Span, ReadOptions().GetTypeInfo(typeof(JsonRpcMessage))) as JsonRpcMessage;
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, JsonRpcErrors.InvalidRequest, $"The request body is larger than the {limit} bytes allowed (limits.maxRequestBodyBytes).").ConfigureAwait(false);
            return;
        }
        catch (JsonException ex)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, JsonRpcErrors.ParseError, ParseErrorMessage(ex)).ConfigureAwait(false);
            return;
        }
        catch (NotSupportedException ex)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, $"Not a JSON-RPC 2.0 message: {ex.Message}").ConfigureAwait(false);
            return;
        }

        if (message is null)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, "The body must be one JSON-RPC 2.0 message (a request, notification or response object).").ConfigureAwait(false);
            return;
        }

        if (ModernHandler.IsModern(http.Request, message))
        {
            await modern.PostAsync(http, route, caller, message).ConfigureAwait(false);
            return;
        }

        if (message is JsonRpcRequest { Method: RequestMethods.Initialize } initialize)
        {
            await InitializeAsync(http, route, caller, initialize).ConfigureAwait(false);
            return;
        }

        if (await SessionOfAsync(http, route, caller).ConfigureAwait(false) is not { } session)
        {
            return;
        }

        switch (message)
        {
            case JsonRpcRequest request:
                await RequestAsync(http, session, caller, request).ConfigureAwait(false);
                break;
            case JsonRpcNotification notification:
                await NotificationAsync(session, notification).ConfigureAwait(false);
                http.Response.StatusCode = StatusCodes.Status202Accepted;
                break;
            case JsonRpcMessageWithId answer:
                if (!await session.AnswerAsync(answer).ConfigureAwait(false))
                {
                    LogUnmatchedAnswer(answer.Id.ToString());
                }

                http.Response.StatusCode = StatusCodes.Status202Accepted;
                break;
        }
    }

    private async Task InitializeAsync(HttpContext http, string route, Caller caller, JsonRpcRequest request)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        using var span = McpPipeline.StartSpan(request, TransportContext.From(http), out var parent);
        if (pipeline.AuditUnavailable is { } down)
        {
            var refused = JsonRpcErrors.Create(request.Id, JsonRpcErrors.AuditUnavailable, down);
            pipeline.Refused(span, request.Method, route == "*" ? null : route, refused, started);
            await McpResponses.WriteJsonAsync(http, refused).ConfigureAwait(false);
            return;
        }

        var (response, session) = await handshake.InitializeAsync(route, caller, request, http.RequestAborted).ConfigureAwait(false);
        var clientInfo = (request.Params as JsonObject)?["clientInfo"];
        var recorded = await pipeline.RecordAsync(new McpAction
        {
            Source = "mcp",
            // The roles in effect, as every later record of the session names them (the credential's plus users:).
            Caller = caller with { Roles = roles.For(caller).Roles },
            Method = request.Method,
            Server = route == "*" ? null : route,
            SessionId = session?.Ticket.Id,
            RequestId = request.Id.ToString(),
            ClientName = RequestFields.String(clientInfo?["name"]),
            ClientVersion = RequestFields.String(clientInfo?["version"]),
        }, startedAt, started, response, span, parent, session?.Ticket.ProtocolVersion).ConfigureAwait(false);
        if (!recorded)
        {
            // Unrecorded, the session must not exist: end it (and its upstream sessions) now, not at the idle sweep.
            response = JsonRpcErrors.Create(request.Id, JsonRpcErrors.AuditUnavailable, pipeline.AuditUnavailable ?? "The audit log cannot be written.");
            if (session is not null)
            {
                await sessions.EndAsync(session).ConfigureAwait(false);
            }

            session = null;
        }

        if (session is not null)
        {
            http.Response.Headers[SessionHeader] = session.Id;
        }

        await McpResponses.WriteJsonAsync(http, response).ConfigureAwait(false);
    }

    private async Task RequestAsync(HttpContext http, GatewaySession session, Caller caller, JsonRpcRequest request)
    {
        var router = session.IsAggregate ? (IMcpRouter)aggregate : PassthroughRouter.Instance;
        var exchange = new Exchange(request.Id, request.Method) { Caller = caller };
        var clientId = request.Id;
        var responseTask = pipeline.RunAsync(session, request, exchange, router, CancellationToken.None, TransportContext.From(http));

        // Answer with plain JSON when the upstream sends nothing before its response; switch to SSE as
        // soon as it does (progress, logs, sampling requests belong on this request's stream).
        var firstRelated = exchange.Related.WaitToReadAsync(http.RequestAborted).AsTask();
        await Task.WhenAny(responseTask, firstRelated).ConfigureAwait(false);
        if (responseTask.IsCompleted && !exchange.Related.TryPeek(out _) && !exchange.IsCancelled)
        {
            exchange.Complete();
            var response = await responseTask.ConfigureAwait(false);
            response.Id = clientId;
            await McpResponses.WriteJsonAsync(http, response).ConfigureAwait(false);
            return;
        }

        // The stream's events are logged as they are produced, so a client that loses the stream can resume
        // it (GET with Last-Event-ID); losing the stream is not cancelling, the request completes upstream.
        var log = session.OpenRequestLog();
        _ = PumpAsync(session, exchange, responseTask, clientId, log);
        McpResponses.StartSse(http);
        if (Resumable(session))
        {
            await McpResponses.WritePrimingEventAsync(http, log.EventId(0)).ConfigureAwait(false);
        }

        var last = await EventStreamWriter.WriteAsync(http, log, 0, withIds: Resumable(session)).ConfigureAwait(false);
        if (log.IsCompleted && last == log.LastSeq)
        {
            session.ReleaseRequestLog(log);
        }
    }

    // Clients of revisions before 2025-11-25 may not expect event ids or empty (priming) events.
    private static bool Resumable(GatewaySession session) => string.CompareOrdinal(session.Ticket.ProtocolVersion, "2025-11-25") >= 0;

    // Moves what the upstream sends for one request, then its response, into the request's event log.
    private static async Task PumpAsync(GatewaySession session, Exchange exchange, Task<JsonRpcMessageWithId> responseTask, RequestId clientId, EventLog log)
    {
        try
        {
            while (true)
            {
                while (exchange.Related.TryRead(out var related))
                {
                    log.Append(related);
                }

                if (responseTask.IsCompleted)
                {
                    break;
                }

                await Task.WhenAny(responseTask, exchange.Related.WaitToReadAsync().AsTask()).ConfigureAwait(false);
            }

            exchange.Complete();
            while (exchange.Related.TryRead(out var late))
            {
                log.Append(late);
            }

            var final = await responseTask.ConfigureAwait(false);
            if (!exchange.IsCancelled)
            {
                // A cancelled request gets no response; its stream just ends.
                final.Id = clientId;
                log.Append(final);
            }
        }
        finally
        {
            exchange.Complete();
            log.Complete(session.Time.GetUtcNow());
        }
    }

    private async Task NotificationAsync(GatewaySession session, JsonRpcNotification notification)
    {
        switch (notification.Method)
        {
            case NotificationMethods.InitializedNotification:
                // Warden sent initialized to each upstream itself when it connected.
                return;
            case NotificationMethods.CancelledNotification:
                if (notification.Params is JsonObject p && p["requestId"] is JsonValue v)
                {
                    var id = v.TryGetValue<long>(out var n) ? new RequestId(n) : new RequestId(v.ToString());
                    await session.CancelAsync(id, RequestFields.String(p["reason"])).ConfigureAwait(false);
                }

                return;
            default:
                await session.BroadcastAsync(notification).ConfigureAwait(false);
                return;
        }
    }

    public async Task GetAsync(HttpContext http, string? server, string? user = null)
    {
        if (await CallerOfAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        if (await RouteOfAsync(http, server, user, caller).ConfigureAwait(false) is not { } route)
        {
            return;
        }

        if (await StatelessRefusedAsync(http).ConfigureAwait(false))
        {
            return;
        }

        if (!http.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(http, StatusCodes.Status406NotAcceptable, JsonRpcErrors.InvalidRequest, "The Accept header must include text/event-stream.").ConfigureAwait(false);
            return;
        }

        if (await SessionOfAsync(http, route, caller).ConfigureAwait(false) is not { } session)
        {
            return;
        }

        // Resuming a request's stream: replay what the client missed, then follow it to its response.
        var resumeFrom = EventLog.TryParse(http.Request.Headers["Last-Event-ID"], out var streamId, out var seq) ? session.FindLog(streamId) : null;
        if (resumeFrom is not null && resumeFrom != session.Unsolicited)
        {
            McpResponses.StartSse(http);
            await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            var last = await EventStreamWriter.WriteAsync(http, resumeFrom, seq, withIds: true).ConfigureAwait(false);
            if (resumeFrom.IsCompleted && last == resumeFrom.LastSeq)
            {
                session.ReleaseRequestLog(resumeFrom);
            }

            return;
        }

        var stream = session.TakeGetStream();
        try
        {
            _ = session.ListenToStatelessUpstreamsAsync(CancellationToken.None);
            McpResponses.StartSse(http);
            await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);

            // Without Last-Event-ID (or with one this replica did not issue) the stream starts with what no
            // GET stream has delivered yet.
            var after = resumeFrom is null ? session.UnsolicitedDelivered : seq;
            await EventStreamWriter.WriteAsync(http, session.Unsolicited, after, withIds: Resumable(session), written: seen =>
            {
                session.MarkDelivered(seen);
                session.Touch();
            }, stop: stream.Token).ConfigureAwait(false);
        }
        finally
        {
            session.ReleaseGetStream(stream);
        }
    }

    public async Task DeleteAsync(HttpContext http, string? server, string? user = null)
    {
        if (await CallerOfAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        if (await RouteOfAsync(http, server, user, caller).ConfigureAwait(false) is not { } route)
        {
            return;
        }

        if (await StatelessRefusedAsync(http).ConfigureAwait(false))
        {
            return;
        }

        if (await SessionOfAsync(http, route, caller).ConfigureAwait(false) is not { } session)
        {
            return;
        }

        await sessions.EndAsync(session).ConfigureAwait(false);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    // GET streams and DELETE belong to sessions; the stateless revision has neither.
    private static async Task<bool> StatelessRefusedAsync(HttpContext http)
    {
        var version = http.Request.Headers["MCP-Protocol-Version"].ToString();
        if (http.Request.Headers[SessionHeader].Count > 0 || version.Length == 0 || Array.IndexOf(ProtocolVersions.Sessioned, version) >= 0)
        {
            return false;
        }

        http.Response.Headers.Allow = "POST";
        await ErrorAsync(http, StatusCodes.Status405MethodNotAllowed, JsonRpcErrors.InvalidRequest, $"MCP {version} has no sessions: there is no GET stream or DELETE; use subscriptions/listen for change notifications.").ConfigureAwait(false);
        return true;
    }

    /// <summary>The identify step; answers 401 itself when there is no caller.</summary>
    private async Task<Caller?> CallerOfAsync(HttpContext http)
    {
        var result = await identifier.IdentifyAsync(http, http.RequestAborted).ConfigureAwait(false);
        if (result.Caller is { } caller)
        {
            return caller;
        }

        await AuthChallenge.WriteAsync(http, result, state.Config.Listen.PublicUrl).ConfigureAwait(false);
        return null;
    }

    // The session route of an endpoint: "*" for /mcp and a personal endpoint, else the server's name. Null (answered
    // 404) for a server that does not exist or that the caller's roles do not reach, and for someone else's endpoint.
    private async Task<string?> RouteOfAsync(HttpContext http, string? server, string? user, Caller caller)
    {
        if (user is not null)
        {
            if (PersonalEndpoint.Serves(roles.Policy, caller, user))
            {
                return "*";
            }

            await ErrorAsync(http, StatusCodes.Status404NotFound, JsonRpcErrors.InvalidRequest,
                $"No endpoint at {http.Request.Path}: a personal endpoint serves only the user it is named after. Use your own ({PersonalEndpoint.PathTemplate}) or /mcp.").ConfigureAwait(false);
            return null;
        }

        if (server is null)
        {
            return "*";
        }

        if (upstreams.Find(server) is null || !roles.For(caller).CanReachServer(server))
        {
            await UnknownServerAsync(http, server, caller).ConfigureAwait(false);
            return null;
        }

        return server;
    }

    private async Task<GatewaySession?> SessionOfAsync(HttpContext http, string route, Caller caller)
    {
        var id = http.Request.Headers[SessionHeader].ToString();
        if (id.Length == 0)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, "Missing Mcp-Session-Id header: send an initialize request first and repeat the session id it returns (MCP 2025-11-25 and earlier), or send MCP-Protocol-Version: 2026-07-28 with the per-request _meta of the stateless revision.").ConfigureAwait(false);
            return null;
        }

        var session = sessions.Resolve(id, route, caller);
        if (session is null)
        {
            // 404 tells the client to start a new session with initialize.
            await ErrorAsync(http, StatusCodes.Status404NotFound, JsonRpcErrors.InvalidRequest, "Session not found or expired; start a new session with initialize.").ConfigureAwait(false);
        }

        return session;
    }

    private Task UnknownServerAsync(HttpContext http, string server, Caller caller)
    {
        var known = string.Join(", ", aggregate.ServersFor(caller).Select(s => s.Name));
        return ErrorAsync(http, StatusCodes.Status404NotFound, JsonRpcErrors.InvalidRequest,
            $"Unknown server '{server}'. Servers on this Warden: {(known.Length == 0 ? "(none)" : known)}; use /mcp for all of them.");
    }

    private static bool AcceptsBoth(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("*/*", StringComparison.Ordinal)
            || (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) && accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase));
    }

    private JsonSerializerOptions ReadOptions()
    {
        var depth = state.Config.Limits.MaxJsonDepth;
        if (_readOptions is null || _readDepth != depth)
        {
            _readOptions = new JsonSerializerOptions(McpJsonSerialization.Options) { MaxDepth = depth };
            _readDepth = depth;
        }

        return _readOptions;
    }

    private string ParseErrorMessage(JsonException ex)
    {
        var text = ex.Message;
        if (text.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"The JSON is nested deeper than the {state.Config.Limits.MaxJsonDepth} levels allowed (limits.maxJsonDepth).";
        }

        return $"The body is not valid JSON-RPC: {ex.Message}";
    }

    internal static Task ErrorAsync(HttpContext http, int status, int code, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = null,
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        };
        return http.Response.WriteAsync(body.ToJsonString(ErrorJson), Encoding.UTF8);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Client answered unknown server request {Id}; ignored")]
    private partial void LogUnmatchedAnswer(string id);
}
