using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>Writes JSON-RPC messages to an HTTP response: one JSON object, or events on an SSE stream.</summary>
internal static class McpResponses
{
    private static readonly byte[] SseData = "event: message\ndata: "u8.ToArray();

    public static void StartSse(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache,no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    public static async Task WriteSseAsync(HttpContext http, JsonRpcMessage message)
    {
        var body = http.Response.Body;
        await body.WriteAsync(SseData, http.RequestAborted).ConfigureAwait(false);
        await JsonSerializer.SerializeAsync(body, message, McpJsonSerialization.Message, http.RequestAborted).ConfigureAwait(false);
        await body.WriteAsync("\n\n"u8.ToArray(), http.RequestAborted).ConfigureAwait(false);
        await body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteJsonAsync(HttpContext http, JsonRpcMessage message, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, message, McpJsonSerialization.Message, http.RequestAborted).ConfigureAwait(false);
    }
}
