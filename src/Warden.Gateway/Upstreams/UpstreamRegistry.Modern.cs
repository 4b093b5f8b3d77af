using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Upstreams;

// The stateless 2026-07-28 side of the registry: which upstreams speak it, and one shared connection to each.
internal sealed partial class UpstreamRegistry
{
    private const string DiscoverMethod = "server/discover";

    /// <summary>
    /// True when the server speaks the stateless revision: its config pins <c>protocolVersion: 2026-07-28</c>,
    /// or (HTTP, no pinned version) it answers <c>server/discover</c> listing that revision. Cached per config
    /// generation, as the spec asks clients to cache the era per origin.
    /// </summary>
    public async Task<bool> IsModernAsync(ServerConfig server, CancellationToken cancellationToken)
    {
        if (server.ProtocolVersion is { } pinned)
        {
            return string.CompareOrdinal(pinned, ProtocolVersions.Stateless) >= 0;
        }

        if (server.Kind != UpstreamKind.Http || server.Transport == HttpTransport.Sse || !_servers.TryGetValue(server.Name, out var state))
        {
            return false;
        }

        if (state.Modern is { } known)
        {
            return known;
        }

        var probe = await ProbeAsync(server, cancellationToken).ConfigureAwait(false);
        if (probe is { } modern)
        {
            state.Modern = modern;
        }

        return probe ?? false;
    }

    // A stateless server/discover: a result listing 2026-07-28 means modern; any other answer means legacy;
    // no answer at all means unknown (the server may be down), so nothing is cached.
    private async Task<bool?> ProbeAsync(ServerConfig server, CancellationToken cancellationToken)
    {
        var body = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"server/discover\",\"params\":{\"_meta\":{\"" + ModernMeta.ProtocolVersion + "\":\"" + ProtocolVersions.Stateless
            + "\",\"" + ModernMeta.ClientCapabilities + "\":{}}}}";
        using var post = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(body, Encoding.UTF8) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        post.Headers.TryAddWithoutValidation("MCP-Protocol-Version", ProtocolVersions.Stateless);
        post.Headers.TryAddWithoutValidation("Mcp-Method", DiscoverMethod);
        foreach (var (key, value) in server.Headers)
        {
            post.Headers.TryAddWithoutValidation(key, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(server.ConnectTimeout);
        try
        {
            using var response = await _httpClient.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
            {
                // Refused for want of a credential says nothing about the era: ask again with one.
                return null;
            }

            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                text = string.Join('\n', text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart()));
            }

            var modern = response.IsSuccessStatusCode && Parse(text)?["result"]?["supportedVersions"] is JsonArray versions
                && versions.Any(v => RequestFields.String(v) == ProtocolVersions.Stateless);
            LogProbed(server.Name, modern ? ProtocolVersions.Stateless : "2025 (initialize)");
            return modern;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // The connection Warden keeps to a stateless upstream (per server, or per user when it carries their credential):
    // every request is an independent POST, so all its callers share it. Its InitializeResult holds server/discover's.
    private async Task<ConnectResult> OpenModernAsync(ServerState state, ServerConfig server)
    {
        if (_disposed)
        {
            return ConnectResult.Fail("Warden is shutting down.");
        }

        var logger = _loggerFactory.CreateLogger($"Warden.Upstream.{server.Name}");
        var connection = new UpstreamConnection(server, new ModernHttpTransport(server, _httpClient, logger), shared: true, logger, _time, _metrics) { Modern = true };
        _live[connection] = 0;
        _ = connection.Completion.ContinueWith(_ => _live.TryRemove(connection, out byte _), TaskScheduler.Default);

        var response = await connection.SendRequestAsync(new JsonRpcRequest { Id = new RequestId(0), Method = DiscoverMethod }, null, null, CancellationToken.None, server.ConnectTimeout).ConfigureAwait(false);
        if (response is not JsonRpcResponse { Result: JsonObject result })
        {
            await DisposeConnectionAsync(connection).ConfigureAwait(false);
            return Failed(state, server, $"Upstream server '{server.Name}' did not answer server/discover: {(response as JsonRpcError)?.Error.Message ?? "no result"}");
        }

        connection.InitializeResult = result;
        state.Succeeded();
        state.LastError = null;
        return ConnectResult.Ok(connection);
    }

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "Upstream {Server} refused initialize but speaks MCP 2026-07-28; 2025 sessions reach it through Warden's bridge ({Error})")]
    private partial void LogBridgingSessions(string server, string error);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Upstream {Server} speaks MCP {Era}")]
    private partial void LogProbed(string server, string era);
}
