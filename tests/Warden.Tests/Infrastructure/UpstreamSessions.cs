using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Warden.Tests.Infrastructure;

/// <summary>Looks at the upstream side of a session: which upstream session a client is on, and whether it is still open.</summary>
internal static class UpstreamSessions
{
    /// <summary>The session id the test server sees for this client's calls (its <c>get_client_info</c> tool).</summary>
    public static async Task<string> IdOfAsync(McpClient client)
    {
        var result = await client.CallToolAsync("get_client_info");
        Assert.NotEqual(true, result.IsError);
        var info = JsonNode.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text)!;
        var id = info["sessionId"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(id), "The upstream reported no session id.");
        return id;
    }

    /// <summary>
    /// Pings a Streamable HTTP server directly on <paramref name="sessionId"/>: 200 while the session is open,
    /// 404 once it was ended (DELETE) or never existed.
    /// </summary>
    public static async Task<HttpStatusCode> PingAsync(string url, string sessionId)
    {
        using var http = new HttpClient();
        using var post = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        post.Headers.Add("Mcp-Session-Id", sessionId);
        post.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
