using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Upstreams;

/// <summary>
/// Speaks the stateless 2026-07-28 Streamable HTTP revision to an upstream: every request is its own POST
/// with the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers, answered by one JSON object or an SSE
/// stream scoped to that request. No session, no GET stream. Closing a request's stream is how it is
/// cancelled, so a notifications/cancelled from Warden aborts that POST instead of being sent.
/// </summary>
internal sealed partial class ModernHttpTransport : ITransport
{
    /// <summary>Key in <see cref="JsonRpcMessageContext.Items"/> naming the request whose stream a message arrived on.</summary>
    public const string RelatedRequestKey = "warden.related";

    /// <summary>Key in <see cref="JsonRpcMessageContext.Items"/> for the client's Mcp-Param-* headers, passed on unchanged.</summary>
    public const string ParamHeadersKey = "warden.param-headers";

    public const string ParamHeaderPrefix = "Mcp-Param-";

    private readonly ServerConfig _server;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _inFlight = new();
    private readonly CancellationTokenSource _closing = new();

    public ModernHttpTransport(ServerConfig server, HttpClient http, ILogger logger)
    {
        _server = server;
        _http = http;
        _logger = logger;
    }

    public string? SessionId => null;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        switch (message)
        {
            case JsonRpcRequest request:
                // Each request runs on its own POST; the answer arrives through MessageReader.
                _ = PostRequestAsync(request);
                return Task.CompletedTask;
            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled:
                if (cancelled.Params is JsonObject p && p["requestId"] is JsonValue v && v.TryGetValue<long>(out var id) && _inFlight.TryGetValue(id, out var abort))
                {
                    Cancel(abort);
                }

                return Task.CompletedTask;
            case JsonRpcNotification notification:
                return PostNotificationAsync(notification, cancellationToken);
            default:
                // 2026-07-28 servers ask for input inside results (input_required), never with requests of their own.
                LogDropped(_server.Name, message.GetType().Name);
                return Task.CompletedTask;
        }
    }

    private async Task PostRequestAsync(JsonRpcRequest request)
    {
        var id = request.Id.Id as long? ?? 0;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        _inFlight[id] = abort;
        try
        {
            using var post = CreatePost(request);
            using var response = await _http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, abort.Token).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                await ReadEventStreamAsync(request, response, abort.Token).ConfigureAwait(false);
                return;
            }

            var body = await response.Content.ReadAsByteArrayAsync(abort.Token).ConfigureAwait(false);
            if (TryParse(body) is JsonRpcMessageWithId answer)
            {
                answer.Id = request.Id;
                await _incoming.Writer.WriteAsync(answer, abort.Token).ConfigureAwait(false);
                return;
            }

            await FailAsync(request, $"Upstream server '{_server.Name}' answered {request.Method} with HTTP {(int)response.StatusCode} and no JSON-RPC response.").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Cancelled by Warden (the connection already answered the caller) or shutting down.
        }
        catch (Exception ex)
        {
            await FailAsync(request, $"Upstream server '{_server.Name}' could not be reached: {UpstreamConnection.Describe(ex)}").ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(id, out _);
        }
    }

    private async Task ReadEventStreamAsync(JsonRpcRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        var related = new Dictionary<string, object?> { [RelatedRequestKey] = request.Id.Id };
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5)).Append('\n');
                }

                continue;
            }

            if (data.Length == 0)
            {
                continue;
            }

            var message = TryParse(Encoding.UTF8.GetBytes(data.ToString()));
            data.Clear();
            switch (message)
            {
                case JsonRpcMessageWithId answer and (JsonRpcResponse or JsonRpcError):
                    answer.Id = request.Id;
                    await _incoming.Writer.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
                    return;
                case JsonRpcNotification notification:
                    notification.Context = new JsonRpcMessageContext { Items = new Dictionary<string, object?>(related) };
                    await _incoming.Writer.WriteAsync(notification, cancellationToken).ConfigureAwait(false);
                    break;
                case not null:
                    LogDropped(_server.Name, message.GetType().Name);
                    break;
            }
        }

        await FailAsync(request, $"Upstream server '{_server.Name}' closed the response stream of {request.Method} before answering.").ConfigureAwait(false);
    }

    private async Task PostNotificationAsync(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        using var post = CreatePost(notification);
        using var response = await _http.SendAsync(post, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            LogNotificationRefused(_server.Name, notification.Method, (int)response.StatusCode);
        }
    }

    private HttpRequestMessage CreatePost(JsonRpcMessage message)
    {
        var (method, parameters) = message switch
        {
            JsonRpcRequest r => (r.Method, r.Params as JsonObject),
            JsonRpcNotification n => (n.Method, n.Params as JsonObject),
            _ => (null, null),
        };

        // Requests Warden makes itself (aggregate lists, discovery) carry Warden's own request metadata.
        var version = ModernMeta.Complete(message);
        var post = new HttpRequestMessage(HttpMethod.Post, _server.Url)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(message, McpJsonSerialization.Message)),
        };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        post.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
        if (method is not null)
        {
            post.Headers.TryAddWithoutValidation("Mcp-Method", method);
            if (ModernHeaders.NameOf(method, parameters) is { } name)
            {
                post.Headers.TryAddWithoutValidation("Mcp-Name", ModernHeaders.Encode(name));
            }
        }

        if (message.Context?.Items?.TryGetValue(ParamHeadersKey, out var passed) == true && passed is IEnumerable<KeyValuePair<string, string>> parameterHeaders)
        {
            foreach (var (key, value) in parameterHeaders)
            {
                post.Headers.TryAddWithoutValidation(key, value);
            }
        }

        foreach (var (key, value) in _server.Headers)
        {
            post.Headers.TryAddWithoutValidation(key, value);
        }

        return post;
    }

    private static JsonRpcMessage? TryParse(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, McpJsonSerialization.Message) as JsonRpcMessage;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private ValueTask FailAsync(JsonRpcRequest request, string message) =>
        _incoming.Writer.WriteAsync(JsonRpcErrors.Create(request.Id, JsonRpcErrors.UpstreamUnavailable, message));

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Cancel(_closing);
        _incoming.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "Upstream {Server}: dropped a {Kind} that the 2026-07-28 transport does not carry")]
    private partial void LogDropped(string server, string kind);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Debug, Message = "Upstream {Server} refused notification {Method} with HTTP {Status}")]
    private partial void LogNotificationRefused(string server, string method, int status);
}
