using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Pipeline;
using Warden.Gateway.Authorization;
using Warden.Gateway.Pipeline;
using Warden.Gateway.Telemetry;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// Serves clients of the stateless 2026-07-28 revision: no initialize and no session; every POST carries its
/// protocol version and capabilities in <c>_meta</c> and mirrors its method and name in headers, which Warden
/// checks against the body before anything else reads either. Requests run through the same pipeline as
/// session traffic, on a per-caller context that holds the upstream links. Upstreams that speak the same
/// revision get the request as it came; older upstreams are bridged: their server-to-client requests
/// (sampling, elicitation, roots) become <c>input_required</c> results, and the client's retry answers them.
/// </summary>
internal sealed partial class ModernHandler(
    SessionStore sessions,
    McpPipeline pipeline,
    AggregateRouter aggregate,
    UpstreamRegistry upstreams,
    RoleAccess roles,
    ILogger<ModernHandler> logger)
{
    public const string DiscoverMethod = "server/discover";
    public const string ListenMethod = "subscriptions/listen";
    private const string SubscriptionIdKey = "io.modelcontextprotocol/subscriptionId";
    private const string StatePrefix = "warden:";
    private static long s_nextId;

    /// <summary>Every revision Warden serves on the same endpoint, newest first.</summary>
    public static readonly string[] Supported = [ProtocolVersions.Stateless, .. ProtocolVersions.Sessioned.Reverse()];

    /// <summary>True when a POST without a session speaks (or tries to speak) the stateless revision.</summary>
    public static bool IsModern(HttpRequest request, JsonRpcMessage message)
    {
        if (request.Headers["Mcp-Session-Id"].Count > 0)
        {
            return false;
        }

        var header = request.Headers["MCP-Protocol-Version"].ToString();
        if (header.Length > 0)
        {
            return Array.IndexOf(ProtocolVersions.Sessioned, header) < 0;
        }

        if (message is JsonRpcRequest { Method: RequestMethods.Initialize })
        {
            return false;
        }

        return message switch
        {
            JsonRpcRequest r => r.Method == DiscoverMethod || ModernMeta.VersionOf(r.Params) is not null,
            JsonRpcNotification n => ModernMeta.VersionOf(n.Params) is not null,
            _ => false,
        };
    }

    public async Task PostAsync(HttpContext http, string route, Caller caller, JsonRpcMessage message)
    {
        if (message is JsonRpcNotification)
        {
            // 2026-07-28 defines no client notifications over HTTP (closing a stream cancels its request).
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        if (message is not JsonRpcRequest request)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, null, JsonRpcErrors.InvalidRequest, "Clients of MCP 2026-07-28 send requests only; input for a server travels in inputResponses on a retry of the original request.").ConfigureAwait(false);
            return;
        }

        if (request.Method is RequestMethods.Initialize or "ping" or "logging/setLevel")
        {
            await ErrorAsync(http, StatusCodes.Status404NotFound, request.Id, JsonRpcErrors.MethodNotFound,
                $"{request.Method} is not part of MCP 2026-07-28 (there is no handshake or session; the log level travels in each request's _meta). Send it with a 2025 MCP-Protocol-Version to use a session.").ConfigureAwait(false);
            return;
        }

        if (Validate(http.Request, request) is { } invalid)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, request.Id, invalid.Code, invalid.Message, invalid.Data).ConfigureAwait(false);
            return;
        }

        var context = sessions.ContextFor(route, caller, ModernMeta.Of(request.Params)?[ModernMeta.ClientCapabilities] as JsonObject);
        if (request.Method == DiscoverMethod)
        {
            await McpResponses.WriteJsonAsync(http, await DiscoverAsync(context, caller, request, http.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
            return;
        }

        var info = new RequestInfo(ModernMeta.Of(request.Params));
        if ((request.Params as JsonObject)?["requestState"] is JsonValue state && RequestFields.String(state) is { } text && text.StartsWith(StatePrefix, StringComparison.Ordinal))
        {
            await ResumeAsync(http, context, request, text, info).ConfigureAwait(false);
            return;
        }

        if (request.Method == RequestMethods.ToolsCall && await CheckParamHeadersAsync(http.Request, context, caller, request, http.RequestAborted).ConfigureAwait(false) is { } mismatch)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, request.Id, HeaderMismatch, mismatch).ConfigureAwait(false);
            return;
        }

        // Mcp-Param-* headers mirror tool arguments the tool marks with x-mcp-header; intermediaries pass them on.
        var parameterHeaders = http.Request.Headers.Where(h => h.Key.StartsWith(ModernHttpTransport.ParamHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString())).ToList();
        if (parameterHeaders.Count > 0)
        {
            request.Context = new JsonRpcMessageContext { Items = new Dictionary<string, object?> { [ModernHttpTransport.ParamHeadersKey] = parameterHeaders } };
        }

        if (request.Method == ListenMethod && (context.IsAggregate
            || (await context.GetConnectionAsync(context.Ticket.Route, http.RequestAborted).ConfigureAwait(false)).Connection is { Modern: false }))
        {
            await ListenBridgedAsync(http, context, caller, request).ConfigureAwait(false);
            return;
        }

        // Ids are the client's own and several clients of one caller share a context: run under a unique one.
        var clientId = request.Id;
        request.Id = new RequestId(Interlocked.Increment(ref s_nextId));
        var exchange = new Exchange(request.Id, request.Method) { OriginalId = clientId, Caller = caller };
        var router = context.IsAggregate ? (IMcpRouter)aggregate : PassthroughRouter.Instance;
        var response = pipeline.RunAsync(context, request, exchange, router, CancellationToken.None, TransportContext.From(http));
        await StreamAsync(http, context, new Flow(exchange, response, info, new JsonObject()), clientId).ConfigureAwait(false);
    }

    // The header checks of the 2026-07-28 transport: version supported and equal to the body's, method and
    // name mirrored exactly, so that what was routed and decided on is what runs.
    private static (int Code, string Message, JsonNode? Data)? Validate(HttpRequest http, JsonRpcRequest request)
    {
        var header = http.Headers["MCP-Protocol-Version"].ToString();
        if (header.Length == 0)
        {
            return (HeaderMismatch, "Missing MCP-Protocol-Version header; MCP 2026-07-28 requires it on every POST.", null);
        }

        if (Array.IndexOf(Supported, header) < 0)
        {
            return (UnsupportedProtocolVersion, "Unsupported protocol version", new JsonObject
            {
                ["supported"] = new JsonArray([.. Supported.Select(v => (JsonNode)v)]),
                ["requested"] = header,
            });
        }

        if (ModernMeta.Of(request.Params) is not { } meta)
        {
            return (JsonRpcErrors.InvalidParams, $"params._meta is missing; MCP 2026-07-28 requests carry \"{ModernMeta.ProtocolVersion}\" and \"{ModernMeta.ClientCapabilities}\" there.", null);
        }

        if (RequestFields.String(meta[ModernMeta.ProtocolVersion]) is not { } body)
        {
            return (JsonRpcErrors.InvalidParams, $"params._meta[\"{ModernMeta.ProtocolVersion}\"] is missing; it must equal the MCP-Protocol-Version header.", null);
        }

        if (meta[ModernMeta.ClientCapabilities] is not JsonObject)
        {
            return (JsonRpcErrors.InvalidParams, $"params._meta[\"{ModernMeta.ClientCapabilities}\"] is missing or not an object; send {{}} when the client has none.", null);
        }

        if (body != header)
        {
            return (HeaderMismatch, $"Header mismatch: MCP-Protocol-Version is '{header}' but params._meta[\"{ModernMeta.ProtocolVersion}\"] is '{body ?? "(missing)"}'.", null);
        }

        var method = http.Headers["Mcp-Method"].ToString();
        if (method.Length == 0)
        {
            return (HeaderMismatch, "Missing Mcp-Method header; MCP 2026-07-28 requires it on every POST.", null);
        }

        if (method != request.Method)
        {
            return (HeaderMismatch, $"Header mismatch: Mcp-Method header value '{method}' does not match body value '{request.Method}'.", null);
        }

        if (ModernHeaders.RequiresName(request.Method))
        {
            var raw = http.Headers["Mcp-Name"];
            if (raw.Count == 0)
            {
                return (HeaderMismatch, $"Missing Mcp-Name header; {request.Method} requires it.", null);
            }

            if (ModernHeaders.Decode(raw.ToString()) is not { } name)
            {
                return (HeaderMismatch, "Invalid Mcp-Name header: it holds characters a header may not carry, or bad Base64 in the =?base64?...?= form.", null);
            }

            var expected = ModernHeaders.NameOf(request.Method, request.Params as JsonObject);
            if (name != expected)
            {
                return (HeaderMismatch, $"Header mismatch: Mcp-Name header value '{name}' does not match body value '{expected}'.", null);
            }
        }

        return null;
    }

    // A 2026-07-28 server checks Mcp-Param-* headers against the arguments its tool marks with x-mcp-header.
    // A 2025 upstream knows nothing of them, so for those Warden is the server that checks.
    private async Task<string?> CheckParamHeadersAsync(HttpRequest http, GatewaySession context, Caller caller, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in http.Headers)
        {
            if (key.StartsWith(ModernHttpTransport.ParamHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                if (ModernHeaders.Decode(value.ToString()) is not { } decoded)
                {
                    return $"Invalid {key} header: it holds characters a header may not carry, or bad Base64 in the =?base64?...?= form.";
                }

                headers[key[ModernHttpTransport.ParamHeaderPrefix.Length..]] = decoded;
            }
        }

        var target = (context.IsAggregate ? (IMcpRouter)aggregate : PassthroughRouter.Instance).Resolve(context, request);
        var access = roles.For(caller);

        // A tool the caller's roles hide is not checked here: the pipeline answers it as unknown, and so must this step.
        if (target.Server is null || target.Name is null
            || (!access.Unrestricted && !access.Tool(target.Server, target.Name, readOnlyHint: true).Allowed)
            || (await context.GetConnectionAsync(target.Server, cancellationToken).ConfigureAwait(false)).Connection is not { Modern: false } connection)
        {
            return null;
        }

        if (await context.ToolSchemaAsync(connection, target.Name, cancellationToken).ConfigureAwait(false) is not { } schema
            || schema["properties"] is not JsonObject properties)
        {
            return null;
        }

        var arguments = target.Arguments as JsonObject;
        foreach (var (property, definition) in properties)
        {
            if (RequestFields.String(definition?["x-mcp-header"]) is not { } header)
            {
                continue;
            }

            var value = arguments?[property];
            headers.TryGetValue(header, out var sent);
            if (value is null)
            {
                if (sent is not null)
                {
                    return $"Header mismatch: Mcp-Param-{header} was sent but argument '{property}' is absent.";
                }

                continue;
            }

            if (sent is null)
            {
                return $"Missing required Mcp-Param-{header} header for argument '{property}' (annotated with x-mcp-header).";
            }

            if (!SameValue(value, sent))
            {
                return $"Header mismatch: Mcp-Param-{header} header value '{sent}' does not match argument '{property}' value '{value.ToJsonString()}'.";
            }
        }

        return null;
    }

    private static bool SameValue(JsonNode value, string header)
    {
        if (value is not JsonValue v)
        {
            return false;
        }

        return v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>() == header,
            JsonValueKind.True => header == "true",
            JsonValueKind.False => header == "false",
            JsonValueKind.Number => decimal.TryParse(header, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var h)
                && decimal.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var b) && h == b,
            _ => false,
        };
    }

    private async Task<JsonRpcMessageWithId> DiscoverAsync(GatewaySession context, Caller caller, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var servers = context.IsAggregate ? aggregate.ServersFor(caller).Select(s => s.Name).ToList() : [context.Ticket.Route];
        var links = await Task.WhenAll(servers.Select(s => context.GetConnectionAsync(s, cancellationToken))).ConfigureAwait(false);
        var capabilities = new JsonObject();
        var instructions = new List<string>();
        for (var i = 0; i < servers.Count; i++)
        {
            if (links[i].Connection?.InitializeResult is not { } upstream)
            {
                LogLeftOut(servers[i], links[i].Error ?? "no result");
                continue;
            }

            if (upstream["capabilities"] is JsonObject caps)
            {
                Handshake.Merge(capabilities, caps);
            }

            if (RequestFields.String(upstream["instructions"]) is { Length: > 0 } text)
            {
                instructions.Add(context.IsAggregate ? $"[{servers[i]}] {text}" : text);
            }
        }

        if (!context.IsAggregate && links[0].Connection is null)
        {
            return JsonRpcErrors.Create(request.Id, JsonRpcErrors.UpstreamUnavailable, links[0].Error!);
        }

        // Revision-specific or per-connection capabilities of a 2025 upstream mean nothing here.
        capabilities.Remove("logging");
        capabilities.Remove("completions") ;
        if (context.IsAggregate)
        {
            capabilities.Remove("experimental");
        }

        var result = new JsonObject
        {
            ["resultType"] = "complete",
            ["supportedVersions"] = new JsonArray([.. Supported.Select(v => (JsonNode)v)]),
            ["capabilities"] = capabilities,
            ["_meta"] = new JsonObject { [ModernMeta.ServerInfo] = Handshake.ServerInfo(context.IsAggregate ? "Warden (all servers)" : $"Warden: {context.Ticket.Route}") },
        };
        if (instructions.Count > 0)
        {
            result["instructions"] = string.Join("\n\n", instructions);
        }

        return new JsonRpcResponse { Id = request.Id, Result = result };
    }

    private async Task ResumeAsync(HttpContext http, GatewaySession context, JsonRpcRequest request, string state, RequestInfo info)
    {
        if (!context.Parked.TryRemove(state, out var parked))
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, request.Id, JsonRpcErrors.InvalidParams,
                "requestState is unknown or expired: Warden holds a request that waits for input for the server's timeout, on the replica that asked. Send the original request again without requestState and inputResponses.").ConfigureAwait(false);
            return;
        }

        var answers = (request.Params as JsonObject)?["inputResponses"] as JsonObject;
        foreach (var (key, input) in parked.Inputs.ToList())
        {
            if (answers?[key] is { } answer && long.TryParse(key, out var serverRequestId))
            {
                parked.Inputs.Remove(key);
                var message = answer is JsonObject o && o["error"] is JsonObject error && !o.ContainsKey("result")
                    ? JsonRpcErrors.Create(new RequestId(serverRequestId), error["code"]?.GetValue<int>() ?? JsonRpcErrors.InternalError, RequestFields.String(error["message"]) ?? "error")
                    : (JsonRpcMessageWithId)new JsonRpcResponse { Id = new RequestId(serverRequestId), Result = answer.DeepClone() };
                await context.AnswerAsync(message).ConfigureAwait(false);
            }
        }

        await StreamAsync(http, context, parked with { Info = info }, request.Id).ConfigureAwait(false);
    }

    // Streams one request's outcome: plain JSON when nothing comes before the answer, SSE as soon as a
    // notification does. A server-to-client request from a 2025 upstream ends this round with input_required.
    private async Task StreamAsync(HttpContext http, GatewaySession context, Flow flow, RequestId clientId)
    {
        var sse = false;
        var exchange = flow.Exchange;
        var parked = false;
        try
        {
            while (true)
            {
                while (exchange.Related.TryRead(out var related))
                {
                    switch (related)
                    {
                        case JsonRpcRequest ask:
                            if (flow.Info.Supports(ask.Method))
                            {
                                flow.Inputs[ask.Id.ToString()] = new JsonObject { ["method"] = ask.Method, ["params"] = ask.Params?.DeepClone() };
                            }
                            else
                            {
                                await context.AnswerAsync(JsonRpcErrors.Create(ask.Id, JsonRpcErrors.MethodNotFound, $"The client did not declare the capability {ask.Method} needs.")).ConfigureAwait(false);
                            }

                            break;
                        case JsonRpcNotification notification when flow.Info.Wants(notification):
                            if (exchange.Method == ListenMethod)
                            {
                                // The upstream tagged it with the id Warden gave the listen request; the client knows its own.
                                Tag(notification.Params, clientId);
                            }

                            if (!sse)
                            {
                                McpResponses.StartSse(http);
                                sse = true;
                            }

                            await McpResponses.WriteSseAsync(http, notification).ConfigureAwait(false);
                            break;
                    }
                }

                // Asks of an upstream call that is already over (it timed out, or failed) can no longer be answered.
                if (flow.Inputs.Count > 0 && !flow.Response.IsCompleted)
                {
                    parked = true;
                    await WriteFinalAsync(http, sse, new JsonRpcResponse { Id = clientId, Result = Park(context, flow) }).ConfigureAwait(false);
                    return;
                }

                if (flow.Response.IsCompleted)
                {
                    break;
                }

                await Task.WhenAny(flow.Response, exchange.Related.WaitToReadAsync(http.RequestAborted).AsTask()).ConfigureAwait(false);
                http.RequestAborted.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // Closing the response stream is how a 2026-07-28 client cancels.
            await context.CancelAsync(exchange.ClientId, "The client closed the response stream.").ConfigureAwait(false);
            exchange.Complete();
            return;
        }
        finally
        {
            if (!parked)
            {
                await context.ReleaseHoldAsync(exchange).ConfigureAwait(false);
            }
        }

        exchange.Complete();
        while (exchange.Related.TryRead(out var late))
        {
            if (sse && late is JsonRpcNotification n && flow.Info.Wants(n))
            {
                await McpResponses.WriteSseAsync(http, n).ConfigureAwait(false);
            }
        }

        var final = await flow.Response.ConfigureAwait(false);
        final.Id = clientId;
        if (final is JsonRpcResponse { Result: JsonObject result })
        {
            Complete(exchange.Method, result);
            if (exchange.Method == ListenMethod)
            {
                Tag(result, clientId);
            }
        }

        await WriteFinalAsync(http, sse, final).ConfigureAwait(false);
    }

    private static void Tag(JsonNode? parameters, RequestId subscription)
    {
        if (parameters is JsonObject p && p["_meta"] is JsonObject meta && meta.ContainsKey(SubscriptionIdKey))
        {
            meta[SubscriptionIdKey] = JsonSerializer.SerializeToNode(subscription, McpJsonSerialization.Options);
        }
    }

    // subscriptions/listen for 2025 upstreams (and the aggregate): their list_changed and resources/updated
    // notifications reach the caller's context unsolicited; this stream relays the kinds the client opted in
    // to, and subscribes upstream to the resources it named, for as long as the client keeps it open. The
    // aggregate's 2026-07-28 upstreams send theirs only on listen streams, which the context holds meanwhile.
    private async Task ListenBridgedAsync(HttpContext http, GatewaySession context, Caller caller, JsonRpcRequest request)
    {
        var filter = (request.Params as JsonObject)?["notifications"] as JsonObject;
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["toolsListChanged"] = NotificationMethods.ToolListChangedNotification,
            ["promptsListChanged"] = NotificationMethods.PromptListChangedNotification,
            ["resourcesListChanged"] = NotificationMethods.ResourceListChangedNotification,
        }.Where(kv => filter?[kv.Key] is JsonValue v && v.TryGetValue<bool>(out var on) && on).ToDictionary(kv => kv.Value, kv => kv.Key);
        var uris = (filter?["resourceSubscriptions"] as JsonArray ?? []).Select(RequestFields.String).OfType<string>().ToHashSet(StringComparer.Ordinal);

        if (!context.TryOpenGetStream())
        {
            await ErrorAsync(http, StatusCodes.Status409Conflict, request.Id, JsonRpcErrors.InvalidRequest,
                "This caller already has a subscriptions/listen stream open on this endpoint with the same capabilities; close it first.").ConfigureAwait(false);
            return;
        }

        var router = context.IsAggregate ? (IMcpRouter)aggregate : PassthroughRouter.Instance;
        var subscribed = new List<string>();
        try
        {
            foreach (var server in context.IsAggregate ? aggregate.ServersFor(caller).Select(s => s.Name) : [context.Ticket.Route])
            {
                await context.GetConnectionAsync(server, http.RequestAborted).ConfigureAwait(false);
            }

            var access = roles.For(caller);
            foreach (var uri in uris)
            {
                // A resource the caller's roles hide is left out of the acknowledgement, as one that does not exist is.
                if (router.Resolve(context, new JsonRpcRequest { Method = RequestMethods.ResourcesSubscribe, Params = new JsonObject { ["uri"] = uri } }) is { Server: { } owner }
                    && !access.Resource(owner, uri).Allowed)
                {
                    continue;
                }

                if (await SubscribeAsync(context, router, RequestMethods.ResourcesSubscribe, uri, http.RequestAborted).ConfigureAwait(false))
                {
                    subscribed.Add(uri);
                }
            }

            // Once acknowledged upstream, nothing that happens after the client's acknowledgement is missed.
            await context.ListenToStatelessUpstreamsAsync(http.RequestAborted).ConfigureAwait(false);

            var acknowledged = new JsonObject();
            foreach (var key in wanted.Values)
            {
                acknowledged[key] = true;
            }

            if (subscribed.Count > 0)
            {
                acknowledged["resourceSubscriptions"] = new JsonArray([.. subscribed.Select(u => (JsonNode)u)]);
            }

            var subscription = JsonSerializer.SerializeToNode(request.Id, McpJsonSerialization.Options);
            McpResponses.StartSse(http);
            await McpResponses.WriteSseAsync(http, new JsonRpcNotification
            {
                Method = "notifications/subscriptions/acknowledged",
                Params = new JsonObject { ["_meta"] = new JsonObject { [SubscriptionIdKey] = subscription!.DeepClone() }, ["notifications"] = acknowledged },
            }).ConfigureAwait(false);

            await EventStreamWriter.WriteAsync(http, context.Unsolicited, context.UnsolicitedDelivered, withIds: false, filter: message =>
            {
                if (message is not JsonRpcNotification notification
                    || !(wanted.ContainsKey(notification.Method)
                        || (notification.Method == NotificationMethods.ResourceUpdatedNotification && RequestFields.String((notification.Params as JsonObject)?["uri"]) is { } uri && subscribed.Contains(uri))))
                {
                    return null;
                }

                // The log may be read again (another listen stream), so the stamped copy is a new message.
                var parameters = notification.Params?.DeepClone() as JsonObject ?? [];
                if (parameters["_meta"] is not JsonObject meta)
                {
                    parameters["_meta"] = meta = [];
                }

                meta[SubscriptionIdKey] = subscription.DeepClone();
                return new JsonRpcNotification { Method = notification.Method, Params = parameters };
            }, written: seen =>
            {
                context.MarkDelivered(seen);
                context.Touch();
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            context.CloseGetStream();
            context.StopListening();
            foreach (var uri in subscribed)
            {
                await SubscribeAsync(context, router, RequestMethods.ResourcesUnsubscribe, uri, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> SubscribeAsync(GatewaySession context, IMcpRouter router, string method, string uri, CancellationToken cancellationToken)
    {
        var request = new JsonRpcRequest { Id = new RequestId(Interlocked.Increment(ref s_nextId)), Method = method, Params = new JsonObject { ["uri"] = uri } };
        var target = router.Resolve(context, request);
        if (target.Server is null)
        {
            return false;
        }

        // 2026-07-28 has no resources/subscribe: such an upstream gets the URI on the listen stream the context
        // holds to it, which closes (and so unsubscribes) with the client's stream.
        if ((await context.GetConnectionAsync(target.Server, cancellationToken).ConfigureAwait(false)).Connection is { Modern: true } modern)
        {
            return method == RequestMethods.ResourcesSubscribe && await context.ListenForResourceAsync(modern, uri, true, cancellationToken).ConfigureAwait(false) is null;
        }

        var response = await router.ForwardAsync(context, request, new Exchange(request.Id, method), target, cancellationToken).ConfigureAwait(false);
        return response is JsonRpcResponse;
    }

    // Results of 2025 upstreams lack the fields 2026-07-28 requires; lists Warden filters per caller are private.
    private static void Complete(string method, JsonObject result)
    {
        if (!result.ContainsKey("resultType"))
        {
            result["resultType"] = "complete";
        }

        if (method is RequestMethods.ToolsList or RequestMethods.PromptsList or RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList or RequestMethods.ResourcesRead)
        {
            if (result["ttlMs"] is null)
            {
                result["ttlMs"] = 0;
            }

            result["cacheScope"] = "private";
        }
    }

    private JsonObject Park(GatewaySession context, Flow flow)
    {
        var key = StatePrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

        // Before the client can send anything else: its next request must not go out on this request's link.
        context.HoldForInput(flow.Exchange);
        context.Parked[key] = flow;
        var timeout = (flow.Exchange.Server is { } server ? upstreams.Find(server)?.Timeout : null) ?? TimeSpan.FromSeconds(60);
        _ = ExpireAsync(context, key, flow, timeout);
        var inputs = new JsonObject();
        foreach (var (id, input) in flow.Inputs)
        {
            inputs[id] = input!.DeepClone();
        }

        return new JsonObject { ["resultType"] = "input_required", ["inputRequests"] = inputs, ["requestState"] = key };
    }

    private async Task ExpireAsync(GatewaySession context, string key, Flow flow, TimeSpan timeout)
    {
        await Task.Delay(timeout).ConfigureAwait(false);
        if (context.Parked.TryRemove(new KeyValuePair<string, Flow>(key, flow)))
        {
            LogInputExpired(flow.Exchange.Method, flow.Exchange.Server ?? "?");
            await context.CancelAsync(flow.Exchange.ClientId, "The client did not answer the input request in time.").ConfigureAwait(false);
            flow.Exchange.Complete();
            await context.ReleaseHoldAsync(flow.Exchange).ConfigureAwait(false);
        }
    }

    private static async Task WriteFinalAsync(HttpContext http, bool sse, JsonRpcMessageWithId message)
    {
        if (sse)
        {
            await McpResponses.WriteSseAsync(http, message).ConfigureAwait(false);
            return;
        }

        var status = message is JsonRpcError { Error.Code: var code } ? code switch
        {
            JsonRpcErrors.MethodNotFound => StatusCodes.Status404NotFound,
            HeaderMismatch or MissingRequiredClientCapability or UnsupportedProtocolVersion => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status200OK,
        } : StatusCodes.Status200OK;
        await McpResponses.WriteJsonAsync(http, message, status).ConfigureAwait(false);
    }

    private static Task ErrorAsync(HttpContext http, int status, RequestId? id, int code, string message, JsonNode? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }

        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id is { } i ? JsonSerializer.SerializeToNode(i, McpJsonSerialization.Options) : null, ["error"] = error };
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    public const int HeaderMismatch = -32020;
    public const int MissingRequiredClientCapability = -32021;
    public const int UnsupportedProtocolVersion = -32022;

    /// <summary>What a request declared about itself in <c>_meta</c>: its capabilities and the log level it wants.</summary>
    internal sealed class RequestInfo(JsonObject? meta)
    {
        private static readonly string[] Levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
        private readonly JsonObject? _capabilities = meta?[ModernMeta.ClientCapabilities] as JsonObject;
        private readonly int _logLevel = Array.IndexOf(Levels, RequestFields.String(meta?[ModernMeta.LogLevel]) ?? "");

        public bool Supports(string method) => method switch
        {
            "sampling/createMessage" => _capabilities?["sampling"] is not null,
            "elicitation/create" => _capabilities?["elicitation"] is not null,
            "roots/list" => _capabilities?["roots"] is not null,
            _ => false,
        };

        // Log messages only for requests that asked for them, at or above the level asked.
        public bool Wants(JsonRpcNotification notification) =>
            notification.Method != "notifications/message"
            || (_logLevel >= 0 && Array.IndexOf(Levels, RequestFields.String((notification.Params as JsonObject)?["level"]) ?? "") >= _logLevel);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "server/discover: {Server} left out: {Error}")]
    private partial void LogLeftOut(string server, string error);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "{Method} on {Server} waited for client input past its timeout; cancelled")]
    private partial void LogInputExpired(string method, string server);
}

/// <summary>A stateless request in flight across its input_required rounds.</summary>
internal sealed record Flow(Exchange Exchange, Task<JsonRpcMessageWithId> Response, ModernHandler.RequestInfo Info, JsonObject Inputs);
