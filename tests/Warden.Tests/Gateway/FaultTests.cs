using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>Upstream failures and bad input each get a clear error, and Warden keeps serving.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task UpstreamCrashMidCall_ClientGetsError_AndNextCallWorks()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp/test");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("crash").AsTask());
        Assert.Contains("test", ex.Message);

        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "alive again", ["delayMs"] = 1 });
        Assert.Contains("alive again", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task UpstreamHang_TimesOut_WithClearError()
    {
        // The limit also applies to the call after the hang, so it leaves room for a loaded machine.
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(timeout: "3s"));
        await using var client = await warden.ConnectAsync("/mcp/test");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("hang").AsTask());
        Assert.Contains("did not answer", ex.Message);
        Assert.Contains("timeout", ex.Message);

        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "still here", ["delayMs"] = 1 });
        Assert.Contains("still here", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task UpstreamGarbageOnStdout_IsSkipped()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp/test");

        await client.CallToolAsync("garbage_stdout");
        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "after garbage", ["delayMs"] = 1 });
        Assert.Contains("after garbage", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task UnknownServer_Gets404_NamingTheKnownOnes()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();

        var response = await http.SendAsync(Post(warden.BaseUrl + "/mcp/nosuch", InitializeBody));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Unknown server 'nosuch'", body);
        Assert.Contains("test", body);
    }

    [Fact]
    public async Task UnknownSession_Gets404()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var request = Post(warden.BaseUrl + "/mcp/test", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        request.Headers.Add("Mcp-Session-Id", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w");

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("initialize", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{not json", "not valid JSON-RPC")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", "batches")]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", "JSON-RPC")]
    [InlineData("42", "JSON-RPC")]
    public async Task MalformedBody_Gets400_WithJsonRpcError(string body, string expected)
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();

        var response = await http.SendAsync(Post(warden.BaseUrl + "/mcp/test", body));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, json["error"]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DeepNesting_Gets400()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var deep = new string('[', 5000) + new string(']', 5000);

        var response = await http.SendAsync(Post(warden.BaseUrl + "/mcp/test", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"x\":" + deep + "}}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("nested deeper", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FiftyMegabyteBody_Gets413_AndWardenKeepsServing()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var uri = new Uri(warden.BaseUrl);
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            // Raw HTTP: Warden answers 413 from the headers alone and never reads the 50 MB.
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var stream = tcp.GetStream();
            var head = $"POST /mcp/test HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n{{\"jsonrpc\":\"2.0\",";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var reply = new byte[4096];
            var read = await stream.ReadAsync(reply);
            var text = Encoding.UTF8.GetString(reply, 0, read);
            Assert.StartsWith("HTTP/1.1 413", text);
            Assert.Contains("maxRequestBodyBytes", text);
        }

        await using var client = await warden.ConnectAsync("/mcp/test");
        Assert.NotEmpty(await client.ListToolsAsync());
    }

    [Fact]
    public async Task ForeignOrigin_Gets403()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var request = Post(warden.BaseUrl + "/mcp/test", InitializeBody);
        request.Headers.Add("Origin", "https://evil.example");

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("allowedOrigins", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ForeignHost_Gets403()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var request = Post(warden.BaseUrl + "/mcp/test", InitializeBody);
        request.Headers.Host = "attacker.example";

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private const string InitializeBody = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private static HttpRequestMessage Post(string url, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }
}
