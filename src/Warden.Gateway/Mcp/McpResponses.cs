using System.Buffers;
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

    public static async Task WriteSseAsync(HttpContext http, JsonRpcMessage message, string? eventId = null)
    {
        // One flush per event: each write to Response.Body would flush (and send) on its own.
        var body = http.Response.BodyWriter;
        if (eventId is not null)
        {
            body.Write(System.Text.Encoding.UTF8.GetBytes($"id: {eventId}\n"));
        }

        body.Write(SseData);
        JsonRpcWriter.Write(body, message);
        body.Write("\n\n"u8);
        await body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends an event with an id and no data, so that a client that loses the stream before the first real
    /// event can still resume it (clients ignore events without data).
    /// </summary>
    public static async Task WritePrimingEventAsync(HttpContext http, string eventId)
    {
        await http.Response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"id: {eventId}\ndata: \n\n"), http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteJsonAsync(HttpContext http, JsonRpcMessage message, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var body = http.Response.BodyWriter;
        JsonRpcWriter.Write(body, message);
        await body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }
}
