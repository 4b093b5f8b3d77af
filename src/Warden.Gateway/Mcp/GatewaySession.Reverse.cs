using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

// The bridge from a 2025 session to an upstream that speaks only the stateless 2026-07-28 revision: each
// request gets the session's client capabilities in _meta and the Mcp-Param-* headers its tool asks for; an
// input_required result becomes server-to-client requests on the session, and their answers go back in
// inputResponses on a retry; resources/subscribe and list_changed ride on a subscriptions/listen stream.
internal sealed partial class GatewaySession
{
    private const int MaxInputRounds = 16;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonRpcMessageWithId>> _localRequests = new();

    /// <summary>The level the client last set with logging/setLevel, sent to stateless upstreams in _meta.</summary>
    public string? LogLevel { get; private set; }

    private bool Reverse(UpstreamConnection connection) => connection.Modern && !Stateless;

    private async Task<JsonRpcMessageWithId> ForwardReverseAsync(UpstreamConnection connection, Exchange exchange, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var parameters = request.Params?.DeepClone() as JsonObject ?? [];
        switch (request.Method)
        {
            // The stateless revision has no ping, setLevel or resources/subscribe: Warden answers them.
            case RequestMethods.Ping:
                return new JsonRpcResponse { Id = request.Id, Result = new JsonObject() };
            case "logging/setLevel":
                LogLevel = RequestFields.String(parameters["level"]);
                return new JsonRpcResponse { Id = request.Id, Result = new JsonObject() };
            case RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe when RequestFields.String(parameters["uri"]) is { } uri:
                return await ListenForResourceAsync(connection, uri, request.Method == RequestMethods.ResourcesSubscribe, cancellationToken).ConfigureAwait(false) is { } refused
                    ? JsonRpcErrors.Create(request.Id, JsonRpcErrors.InternalError, refused)
                    : new JsonRpcResponse { Id = request.Id, Result = new JsonObject() };
        }

        StampMeta(parameters);
        var headers = request.Method == RequestMethods.ToolsCall && RequestFields.String(parameters["name"]) is { } tool
            ? await ParamHeadersAsync(connection, tool, parameters["arguments"] as JsonObject, cancellationToken).ConfigureAwait(false)
            : null;

        for (var round = 0; round < MaxInputRounds; round++)
        {
            var attempt = new JsonRpcRequest { Id = request.Id, Method = request.Method, Params = parameters.DeepClone() };
            if (headers is { Count: > 0 })
            {
                attempt.Context = new JsonRpcMessageContext { Items = new Dictionary<string, object?> { [ModernHttpTransport.ParamHeadersKey] = headers } };
            }

            var response = await connection.SendRequestAsync(attempt, this, exchange, cancellationToken).ConfigureAwait(false);
            if (response is not JsonRpcResponse { Result: JsonObject result } || exchange.IsCancelled)
            {
                return response;
            }

            if (RequestFields.String(result["resultType"]) != "input_required")
            {
                result.Remove("resultType");
                return response;
            }

            var inputs = (result["inputRequests"] as JsonObject ?? []).ToList();
            var answers = await Task.WhenAll(inputs.Select(input => AskClientAsync(connection, exchange, input.Value as JsonObject, cancellationToken))).ConfigureAwait(false);
            var responses = new JsonObject();
            for (var i = 0; i < inputs.Count; i++)
            {
                responses[inputs[i].Key] = answers[i];
            }

            parameters["inputResponses"] = responses;
            parameters.Remove("requestState");
            if (result["requestState"] is { } state)
            {
                parameters["requestState"] = state.DeepClone();
            }
        }

        return JsonRpcErrors.Create(request.Id, JsonRpcErrors.InternalError, $"Upstream server '{connection.ServerName}' asked for input more than {MaxInputRounds} times for one request; Warden gave up.");
    }

    private void StampMeta(JsonObject parameters)
    {
        if (parameters["_meta"] is not JsonObject meta)
        {
            parameters["_meta"] = meta = [];
        }

        meta[ModernMeta.ProtocolVersion] = ProtocolVersions.Stateless;
        meta[ModernMeta.ClientCapabilities] = ClientInitialize?["capabilities"]?.DeepClone() ?? new JsonObject();
        if (ClientInitialize?["clientInfo"] is JsonObject info)
        {
            meta[ModernMeta.ClientInfo] = info.DeepClone();
        }

        if (LogLevel is { } level)
        {
            meta[ModernMeta.LogLevel] = level;
        }
    }

    // One input the upstream needs ({method, params}), asked of the client as a server-to-client request on the
    // request's stream. The answer is its result, or {"error": …} when the client refused.
    private async Task<JsonNode> AskClientAsync(UpstreamConnection connection, Exchange exchange, JsonObject? input, CancellationToken cancellationToken)
    {
        if (RequestFields.String(input?["method"]) is not { } method)
        {
            return new JsonObject { ["error"] = new JsonObject { ["code"] = JsonRpcErrors.InvalidParams, ["message"] = "Input request without a method." } };
        }

        var id = Interlocked.Increment(ref _nextServerRequestId);
        var answer = new TaskCompletionSource<JsonRpcMessageWithId>(TaskCreationOptions.RunContinuationsAsynchronously);
        _localRequests[id] = answer;
        try
        {
            Deliver(connection, new JsonRpcRequest { Id = new RequestId(id), Method = method, Params = input!["params"]?.DeepClone() }, exchange);
            var reply = await answer.Task.WaitAsync(connection.Server.Timeout, connection.Time, cancellationToken).ConfigureAwait(false);
            return reply is JsonRpcResponse { Result: { } result }
                ? result.DeepClone()
                : new JsonObject { ["error"] = new JsonObject { ["code"] = (reply as JsonRpcError)?.Error.Code ?? JsonRpcErrors.InternalError, ["message"] = (reply as JsonRpcError)?.Error.Message ?? "error" } };
        }
        catch (TimeoutException)
        {
            return new JsonObject { ["error"] = new JsonObject { ["code"] = JsonRpcErrors.RequestTimeout, ["message"] = $"The client did not answer {method} in time." } };
        }
        finally
        {
            _localRequests.TryRemove(id, out _);
        }
    }

    private bool TryAnswerLocal(long id, JsonRpcMessageWithId answer)
    {
        if (_localRequests.TryRemove(id, out var waiter))
        {
            waiter.TrySetResult(answer);
            return true;
        }

        return false;
    }

    // A stateless server reads Mcp-Param-* headers for the arguments its tool marks with x-mcp-header; a 2025
    // client knows nothing of them, so Warden writes them from the arguments.
    private async Task<List<KeyValuePair<string, string>>?> ParamHeadersAsync(UpstreamConnection connection, string tool, JsonObject? arguments, CancellationToken cancellationToken)
    {
        if (arguments is null || await ToolSchemaAsync(connection, tool, cancellationToken).ConfigureAwait(false) is not { } schema
            || schema["properties"] is not JsonObject properties)
        {
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (property, definition) in properties)
        {
            if (RequestFields.String(definition?["x-mcp-header"]) is { } header && arguments[property] is JsonValue value)
            {
                var text = value.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                headers.Add(new(ModernHttpTransport.ParamHeaderPrefix + header, ModernHeaders.Encode(text)));
            }
        }

        return headers;
    }

    /// <summary>The input schema of an upstream tool, from a tools/list cached per session.</summary>
    public async Task<JsonObject?> ToolSchemaAsync(UpstreamConnection connection, string tool, CancellationToken cancellationToken)
    {
        if (ToolSchemas.TryGetValue((connection.ServerName, tool), out var cached))
        {
            return cached;
        }

        string? cursor = null;
        for (var page = 0; page < 100; page++)
        {
            var parameters = new JsonObject();
            if (cursor is not null)
            {
                parameters["cursor"] = cursor;
            }

            if (Reverse(connection))
            {
                StampMeta(parameters);
            }

            var response = await connection.SendRequestAsync(new JsonRpcRequest { Id = new RequestId(0), Method = RequestMethods.ToolsList, Params = parameters }, null, null, cancellationToken).ConfigureAwait(false);
            if (response is not JsonRpcResponse { Result: JsonObject result })
            {
                break;
            }

            foreach (var item in (result["tools"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (RequestFields.String(item["name"]) is { } name && item["inputSchema"] is JsonObject schema)
                {
                    ToolSchemas[(connection.ServerName, name)] = (JsonObject)schema.DeepClone();
                }
            }

            if ((cursor = RequestFields.String(result["nextCursor"])) is null)
            {
                break;
            }
        }

        return ToolSchemas.GetValueOrDefault((connection.ServerName, tool));
    }
}
