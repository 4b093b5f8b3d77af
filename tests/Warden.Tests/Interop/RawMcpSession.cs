using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Tests.Interop;

/// <summary>
/// A Streamable HTTP session spoken with a bare HttpClient, for messages the C# SDK client never sends
/// (it has no API for notifications/cancelled). Replies may come as JSON or as an SSE stream; both are read.
/// </summary>
internal sealed class RawMcpSession : IDisposable
{
    public const string ProtocolVersion = "2025-11-25";
    // No draining of abandoned responses: disposing one closes the connection at once, as a client going away does.
    private readonly HttpClient _http = new(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero }) { Timeout = Timeout.InfiniteTimeSpan };

    private RawMcpSession(string url) => Url = url;

    public string Url { get; }

    public string SessionId { get; private set; } = "";

    public static async Task<RawMcpSession> InitializeAsync(string url, JsonObject? capabilities = null)
    {
        var session = new RawMcpSession(url);
        using var response = await session._http.SendAsync(session.Post(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = ProtocolVersion,
                ["capabilities"] = capabilities ?? [],
                ["clientInfo"] = new JsonObject { ["name"] = "warden-interop-raw", ["version"] = "1.0.0" },
            },
        }));
        response.EnsureSuccessStatusCode();
        session.SessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        _ = await ReadReplyAsync(response, 1, CancellationToken.None) ?? throw new InvalidOperationException("initialize got no response.");
        using var initialized = await session.NotifyAsync("notifications/initialized", null);
        initialized.EnsureSuccessStatusCode();
        return session;
    }

    /// <summary>Sends a request and returns its JSON-RPC response object (result or error).</summary>
    public async Task<JsonObject> RequestAsync(long id, string method, JsonObject? parameters, CancellationToken cancellationToken = default) =>
        await RequestOrNothingAsync(id, method, parameters, cancellationToken)
        ?? throw new InvalidOperationException($"The event stream ended without a response to request {id}.");

    /// <summary>Sends a request written as JSON text (for text a JsonNode will not write, such as escaped unpaired surrogates).</summary>
    public async Task<JsonObject> RequestTextAsync(long id, string messageJson)
    {
        using var response = await _http.SendAsync(Post(messageJson), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return await ReadReplyAsync(response, id, CancellationToken.None) ?? throw new InvalidOperationException($"No response to request {id}.");
    }

    /// <summary>Sends a request; null when its event stream ends without a response (as for a cancelled request).</summary>
    public async Task<JsonObject?> RequestOrNothingAsync(long id, string method, JsonObject? parameters, CancellationToken cancellationToken = default)
    {
        using var response = await _http.SendAsync(Post(Message(method, parameters, id)), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await ReadReplyAsync(response, id, cancellationToken);
    }

    /// <summary>Ends the session (DELETE).</summary>
    public Task<HttpResponseMessage> DeleteAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, Url);
        request.Headers.Add("Mcp-Session-Id", SessionId);
        request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
        return _http.SendAsync(request);
    }

    /// <summary>Posts a request and returns the open response, for a test that reads (or abandons) its stream itself.</summary>
    public Task<HttpResponseMessage> PostAsync(long id, string method, JsonObject? parameters, string? probe = null)
    {
        var request = Post(Message(method, parameters, id));
        if (probe is not null)
        {
            request.Headers.Add(RequestProbe.Header, probe);
        }

        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Posts any JSON-RPC message (a response to a server-to-client request, say) as it is.</summary>
    public Task<HttpResponseMessage> PostRawAsync(JsonObject message) => _http.SendAsync(Post(message));

    /// <summary>The session's HTTP client, for requests this class has no helper for.</summary>
    public HttpClient Http => _http;

    public Task<HttpResponseMessage> NotifyAsync(string method, JsonObject? parameters) => _http.SendAsync(Post(Message(method, parameters, null)));

    /// <summary>The text of the first content block of a tools/call result.</summary>
    public async Task<string> CallToolTextAsync(long id, string tool, JsonObject? arguments = null)
    {
        var reply = await RequestAsync(id, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = arguments ?? [] });
        return reply["result"]?["content"]?[0]?["text"]?.GetValue<string>() ?? throw new InvalidOperationException($"{tool} did not return text: {reply.ToJsonString()}");
    }

    private static JsonObject Message(string method, JsonObject? parameters, long? id)
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0" };
        if (id is { } value)
        {
            message["id"] = value;
        }

        message["method"] = method;
        if (parameters is not null)
        {
            message["params"] = parameters;
        }

        return message;
    }

    private HttpRequestMessage Post(JsonObject message) => Post(message.ToJsonString());

    private HttpRequestMessage Post(string messageJson)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(messageJson, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (SessionId.Length > 0)
        {
            request.Headers.Add("Mcp-Session-Id", SessionId);
            request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
        }

        return request;
    }

    private static async Task<JsonObject?> ReadReplyAsync(HttpResponseMessage response, long id, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            // An event without data (Warden primes resumable streams with one) carries no message.
            if (line.StartsWith("data:", StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(line["data:".Length..])
                && JsonNode.Parse(line["data:".Length..]) is JsonObject message
                && message["id"] is JsonValue replyId && replyId.TryGetValue<long>(out var n) && n == id
                && (message.ContainsKey("result") || message.ContainsKey("error")))
            {
                return message;
            }
        }

        return null;
    }

    public void Dispose() => _http.Dispose();
}
