using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>Answers initialize: connects the upstreams a new session needs and composes Warden's answer.</summary>
internal sealed partial class Handshake(UpstreamRegistry upstreams, SessionStore sessions, AggregateRouter aggregate, ILogger<Handshake> logger)
{
    public async Task<(JsonRpcMessageWithId Response, GatewaySession? Session)> InitializeAsync(string route, Caller caller, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var clientInitialize = request.Params as JsonObject ?? [];
        var requested = RequestFields.String(clientInitialize["protocolVersion"]);
        if (route != "*")
        {
            return await InitializeOneAsync(route, caller, request, clientInitialize, requested, cancellationToken).ConfigureAwait(false);
        }

        // Only the servers the caller's roles reach are started and shown; a role change later adds or removes them per request.
        var servers = aggregate.ServersFor(caller).ToList();
        var results = await Task.WhenAll(servers.Select(s => upstreams.ConnectAsync(s, caller, clientInitialize, null, cancellationToken))).ConfigureAwait(false);
        var connected = new List<UpstreamConnection>();
        for (var i = 0; i < servers.Count; i++)
        {
            if (results[i].Connection is { } connection)
            {
                connected.Add(connection);
            }
            else
            {
                LogLeftOut(servers[i].Name, results[i].Error!);
            }
        }

        var version = ProtocolVersions.Negotiate(requested);
        var capabilities = new JsonObject();
        var instructions = new List<string>();
        foreach (var connection in connected)
        {
            if (connection.InitializeResult?["capabilities"] is JsonObject upstream)
            {
                Merge(capabilities, upstream);
            }

            if (RequestFields.String(connection.InitializeResult?["instructions"]) is { Length: > 0 } text)
            {
                instructions.Add($"[{connection.ServerName}] {text}");
            }
        }

        // Tools and prompts from several servers appear and disappear as servers come and go.
        foreach (var list in new[] { "tools", "prompts", "resources" })
        {
            if (capabilities[list] is JsonObject entry)
            {
                entry["listChanged"] = true;
            }
        }

        capabilities.Remove("experimental");
        var result = new JsonObject
        {
            ["protocolVersion"] = version,
            ["capabilities"] = capabilities,
            ["serverInfo"] = ServerInfo("Warden (all servers)"),
        };
        if (instructions.Count > 0)
        {
            result["instructions"] = string.Join("\n\n", instructions);
        }

        var session = sessions.Create("*", caller, clientInitialize, version, connected);
        return (new JsonRpcResponse { Id = request.Id, Result = result }, session);
    }

    private async Task<(JsonRpcMessageWithId, GatewaySession?)> InitializeOneAsync(string server, Caller caller, JsonRpcRequest request, JsonObject clientInitialize, string? requested, CancellationToken cancellationToken)
    {
        var config = upstreams.Find(server)!;
        var connect = await upstreams.ConnectAsync(config, caller, clientInitialize, null, cancellationToken).ConfigureAwait(false);
        if (connect.Connection is not { InitializeResult: { } upstreamResult } connection)
        {
            return (JsonRpcErrors.Create(request.Id, JsonRpcErrors.UpstreamUnavailable, connect.Error ?? $"Upstream server '{server}' did not initialize."), null);
        }

        var result = connection.Modern ? FromDiscover(upstreamResult) : upstreamResult.DeepClone().AsObject();
        var upstreamVersion = RequestFields.String(result["protocolVersion"]);
        if (connection.Shared)
        {
            // A shared upstream was initialized by Warden; answer the client's own version when the upstream's is not older.
            var negotiated = ProtocolVersions.Negotiate(requested);
            result["protocolVersion"] = upstreamVersion is not null && string.CompareOrdinal(upstreamVersion, negotiated) < 0 ? upstreamVersion : negotiated;
        }

        result["serverInfo"] = ServerInfo($"Warden: {server}");
        var session = sessions.Create(server, caller, clientInitialize, RequestFields.String(result["protocolVersion"]) ?? ProtocolVersions.Latest, [connection]);
        return (new JsonRpcResponse { Id = request.Id, Result = result }, session);
    }

    // A stateless upstream answered server/discover, not initialize: a 2025 client gets its capabilities and
    // instructions in initialize form (the version is negotiated with the client; serverInfo is Warden's).
    private static JsonObject FromDiscover(JsonObject discover)
    {
        var result = new JsonObject { ["capabilities"] = discover["capabilities"]?.DeepClone() ?? new JsonObject() };
        if (discover["instructions"] is { } instructions)
        {
            result["instructions"] = instructions.DeepClone();
        }

        return result;
    }

    internal static JsonNode ServerInfo(string title)
    {
        var info = JsonSerializer.SerializeToNode(WardenInfo.Implementation, McpJsonSerialization.Options)!.AsObject();
        info["title"] = title;
        return info;
    }

    // Union of capability objects: a capability any server has, the aggregate has.
    internal static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject child)
            {
                if (target[key] is not JsonObject existing)
                {
                    target[key] = existing = [];
                }

                Merge(existing, child);
            }
            else if (value is JsonValue v && v.TryGetValue<bool>(out var flag))
            {
                target[key] = (target[key] is JsonValue t && t.TryGetValue<bool>(out var current) && current) || flag;
            }
            else if (!target.ContainsKey(key))
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Aggregate session: server {Server} left out: {Error}")]
    private partial void LogLeftOut(string server, string error);
}
