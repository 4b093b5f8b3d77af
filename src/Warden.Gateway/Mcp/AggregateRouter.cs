using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Core.Naming;
using Warden.Core.Pipeline;
using Warden.Gateway.Authorization;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// Routes for /mcp: one endpoint over every server the caller may use. Tool and prompt names are
/// qualified as <c>{server}__{name}</c>; resource URIs are kept as they are and routed by what the
/// lists returned (and by resource templates). A server that fails is left out, never fatal.
/// </summary>
internal sealed partial class AggregateRouter(UpstreamRegistry upstreams, RoleAccess roles, ILogger<AggregateRouter> logger) : IMcpRouter
{
    /// <summary>The servers the caller's roles reach now, in configuration order (all of them when roles restrict nothing).</summary>
    public IEnumerable<ServerConfig> ServersFor(Caller caller)
    {
        var access = roles.For(caller);
        return access.Unrestricted ? upstreams.Servers : upstreams.Servers.Where(s => access.CanReachServer(s.Name));
    }

    internal const string TemplatePrefix = "\u0001";

    public RouteTarget Resolve(GatewaySession session, JsonRpcRequest request)
    {
        var (name, arguments) = RequestFields.Read(request);
        switch (request.Method)
        {
            case RequestMethods.ToolsCall or RequestMethods.PromptsGet:
                return name is not null && QualifiedName.TrySplit(name, out var server, out var local) && upstreams.Find(server) is not null
                    ? new RouteTarget(server, local, arguments)
                    : new RouteTarget(null, name, arguments, Unknown(request.Method, name));

            case RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe:
                return name is not null && OwnerOf(session, name) is { } owner
                    ? new RouteTarget(owner, name, null)
                    : new RouteTarget(null, name, null, NotFoundAnswers.ResourceMessage(name));

            case RequestMethods.CompletionComplete:
                var reference = (request.Params as JsonObject)?["ref"];
                if (RequestFields.String(reference?["type"]) == "ref/prompt")
                {
                    return name is not null && QualifiedName.TrySplit(name, out var promptServer, out var prompt)
                        ? new RouteTarget(promptServer, prompt, arguments)
                        : new RouteTarget(null, name, arguments, Unknown(RequestMethods.PromptsGet, name));
                }

                return name is not null && OwnerOf(session, name) is { } templateOwner
                    ? new RouteTarget(templateOwner, name, arguments)
                    : new RouteTarget(null, name, arguments, NotFoundAnswers.ResourceTemplateMessage(name));

            default:
                return new RouteTarget(null, name, arguments);
        }
    }

    public async Task<JsonRpcMessageWithId> ForwardAsync(GatewaySession session, JsonRpcRequest request, Exchange exchange, RouteTarget target, CancellationToken cancellationToken)
    {
        switch (request.Method)
        {
            case RequestMethods.Ping:
                return Ok(request, new JsonObject());
            case RequestMethods.ToolsList:
                return Ok(request, new JsonObject { ["tools"] = await ListAsync(session, exchange, RequestMethods.ToolsList, "tools", Qualify, cancellationToken).ConfigureAwait(false) });
            case RequestMethods.PromptsList:
                return Ok(request, new JsonObject { ["prompts"] = await ListAsync(session, exchange, RequestMethods.PromptsList, "prompts", Qualify, cancellationToken).ConfigureAwait(false) });
            case RequestMethods.ResourcesList:
                var claimed = new HashSet<string>(StringComparer.Ordinal);
                return Ok(request, new JsonObject { ["resources"] = await ListAsync(session, exchange, RequestMethods.ResourcesList, "resources", (server, item) => Remember(session, server, item, "uri", "", claimed), cancellationToken).ConfigureAwait(false) });
            case RequestMethods.ResourcesTemplatesList:
                var claimedTemplates = new HashSet<string>(StringComparer.Ordinal);
                return Ok(request, new JsonObject { ["resourceTemplates"] = await ListAsync(session, exchange, RequestMethods.ResourcesTemplatesList, "resourceTemplates", (server, item) => Remember(session, server, item, "uriTemplate", TemplatePrefix, claimedTemplates), cancellationToken).ConfigureAwait(false) });
            case "logging/setLevel":
                foreach (var server in ServersFor(exchange.Caller ?? session.Caller))
                {
                    if ((await session.GetConnectionAsync(server.Name, cancellationToken).ConfigureAwait(false)).Connection is { } connection
                        && Supports(connection, "logging"))
                    {
                        await connection.SendRequestAsync(Copy(request), session, exchange, cancellationToken).ConfigureAwait(false);
                    }
                }

                return Ok(request, new JsonObject());
        }

        if (target.Error is not null || target.Server is null)
        {
            return request.Method is RequestMethods.ToolsCall or RequestMethods.PromptsGet or RequestMethods.ResourcesRead
                or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe or RequestMethods.CompletionComplete
                ? JsonRpcErrors.Create(request.Id, request.Method.StartsWith("resources/", StringComparison.Ordinal) ? JsonRpcErrors.ResourceNotFound : JsonRpcErrors.InvalidParams, target.Error ?? "Unknown target.")
                : JsonRpcErrors.Create(request.Id, JsonRpcErrors.MethodNotFound, $"Method '{request.Method}' is not available on the aggregate endpoint /mcp; use /mcp/{{server}} to reach one server directly.");
        }

        var result = await session.GetConnectionAsync(target.Server, cancellationToken).ConfigureAwait(false);
        if (result.Connection is not { } upstream)
        {
            return JsonRpcErrors.Create(request.Id, JsonRpcErrors.UpstreamUnavailable, result.Error!);
        }

        if (request.Params is JsonObject parameters)
        {
            switch (request.Method)
            {
                case RequestMethods.ToolsCall or RequestMethods.PromptsGet:
                    parameters["name"] = target.Name;
                    break;
                case RequestMethods.CompletionComplete when parameters["ref"] is JsonObject reference && RequestFields.String(reference["type"]) == "ref/prompt":
                    reference["name"] = target.Name;
                    break;
            }
        }

        return await session.ForwardAsync(upstream, exchange, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonArray> ListAsync(GatewaySession session, Exchange exchange, string method, string field, Func<string, JsonObject, JsonObject> map, CancellationToken cancellationToken)
    {
        var capability = method switch
        {
            RequestMethods.ToolsList => "tools",
            RequestMethods.PromptsList => "prompts",
            _ => "resources",
        };
        var perServer = await Task.WhenAll(ServersFor(exchange.Caller ?? session.Caller).Select(async server =>
        {
            var items = new List<JsonObject>();
            var connection = (await session.GetConnectionAsync(server.Name, cancellationToken).ConfigureAwait(false)).Connection;
            if (connection is null || !Supports(connection, capability))
            {
                return (Name: server.Name, Items: items);
            }

            string? cursor = null;
            for (var page = 0; page < 1000; page++)
            {
                var parameters = cursor is null ? null : new JsonObject { ["cursor"] = cursor };
                var response = await connection.SendRequestAsync(new JsonRpcRequest { Id = new RequestId(0), Method = method, Params = parameters }, session, exchange, cancellationToken).ConfigureAwait(false);
                if (response is not JsonRpcResponse { Result: JsonObject result })
                {
                    LogListFailed(server.Name, method, (response as JsonRpcError)?.Error.Message ?? "no result");
                    break;
                }

                if (result[field] is JsonArray array)
                {
                    items.AddRange(array.OfType<JsonObject>().Select(item => (JsonObject)item.DeepClone()));
                }

                cursor = RequestFields.String(result["nextCursor"]);
                if (cursor is null)
                {
                    break;
                }
            }

            return (Name: server.Name, Items: items);
        })).ConfigureAwait(false);

        // Mapped in server order, not as answers come in, so which server owns a URI that several list is the
        // same every time.
        return [.. perServer.SelectMany(list => list.Items.Select(item => map(list.Name, item)))];
    }

    private static JsonObject Qualify(string server, JsonObject item)
    {
        if (RequestFields.String(item["name"]) is { } name)
        {
            item["name"] = QualifiedName.Join(server, name);
        }

        return item;
    }

    // The first server (by name, the order of Servers) that lists a URI owns it.
    private static JsonObject Remember(GatewaySession session, string server, JsonObject item, string field, string prefix, HashSet<string> claimed)
    {
        if (RequestFields.String(item[field]) is { } uri && claimed.Add(prefix + uri))
        {
            session.ResourceOwners[prefix + uri] = server;
        }

        return item;
    }

    private string? OwnerOf(GatewaySession session, string uri)
    {
        if (session.ResourceOwners.TryGetValue(uri, out var owner) || session.ResourceOwners.TryGetValue(TemplatePrefix + uri, out owner))
        {
            return owner;
        }

        foreach (var (key, server) in session.ResourceOwners)
        {
            if (key.StartsWith(TemplatePrefix, StringComparison.Ordinal) && TemplateRegex(key[1..]).IsMatch(uri))
            {
                return server;
            }
        }

        // With a single server there is nowhere else the resource could live.
        var servers = ServersFor(session.Caller).Take(2).ToList();
        return servers.Count == 1 ? servers[0].Name : null;
    }

    private static Regex TemplateRegex(string template) =>
        new("^" + TemplateExpression().Replace(Regex.Escape(template).Replace(@"\{", "{", StringComparison.Ordinal), ".*") + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));

    private static bool Supports(UpstreamConnection connection, string capability) =>
        connection.InitializeResult?["capabilities"] is not JsonObject capabilities || capabilities.ContainsKey(capability);

    private static JsonRpcRequest Copy(JsonRpcRequest request) => new() { Id = request.Id, Method = request.Method, Params = request.Params?.DeepClone() };

    private static JsonRpcResponse Ok(JsonRpcRequest request, JsonObject result) => new() { Id = request.Id, Result = result };

    private static string Unknown(string method, string? name) => NotFoundAnswers.NamedMessage(method, name, aggregate: true);

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex TemplateExpression();

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Aggregate: {Server} failed {Method}: {Error}; left out of the list")]
    private partial void LogListFailed(string server, string method, string error);
}
