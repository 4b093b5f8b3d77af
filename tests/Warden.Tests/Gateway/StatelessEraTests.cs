using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// The stateless 2026-07-28 revision as clients see it through Warden: header checks, server/discover,
/// bridging to a 2025 stdio upstream (server-to-client requests become input_required rounds), and the C#
/// SDK client speaking 2026-07-28 end to end.
/// </summary>
public sealed class StatelessEraTests
{
    private const string Version = "2026-07-28";

    [Fact]
    public async Task Discover_on_the_aggregate_lists_both_eras_and_the_merged_capabilities()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();

        var (status, body) = await PostAsync(http, warden.BaseUrl + "/mcp", Request(1, "server/discover"));

        Assert.Equal(HttpStatusCode.OK, status);
        var result = body["result"]!.AsObject();
        var versions = result["supportedVersions"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
        Assert.Equal(Version, versions[0]);
        Assert.Contains("2025-11-25", versions);
        Assert.NotNull(result["capabilities"]!["tools"]);
        Assert.Equal("warden", result["_meta"]!["io.modelcontextprotocol/serverInfo"]!["name"]!.GetValue<string>());
        Assert.Equal("complete", result["resultType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Headers_that_disagree_with_the_body_are_refused_before_anything_runs()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var url = warden.BaseUrl + "/mcp/test";
        var call = Request(7, "tools/call", new JsonObject { ["name"] = "slow_echo", ["arguments"] = new JsonObject { ["message"] = "hi", ["delayMs"] = 0 } });

        var (status, body) = await PostAsync(http, url, call, name: "crash");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32020, body["error"]!["code"]!.GetValue<int>());
        Assert.Equal(7, body["id"]!.GetValue<int>());
        Assert.Contains("'crash'", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        (status, body) = await PostAsync(http, url, call, method: "tools/list");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32020, body["error"]!["code"]!.GetValue<int>());

        (status, body) = await PostAsync(http, url, call, version: "1999-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32022, body["error"]!["code"]!.GetValue<int>());
        Assert.Contains(Version, body["error"]!["data"]!["supported"]!.AsArray().Select(v => v!.GetValue<string>()));

        // A name outside plain ASCII travels Base64-encoded and still has to match.
        var encoded = "=?base64?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("slow_echo")) + "?=";
        (status, body) = await PostAsync(http, url, call, name: encoded);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("hi", body["result"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("complete", body["result"]!["resultType"]!.GetValue<string>());

        using var get = new HttpRequestMessage(HttpMethod.Get, url);
        get.Headers.Accept.ParseAdd("text/event-stream");
        get.Headers.TryAddWithoutValidation("MCP-Protocol-Version", Version);
        using var refused = await http.SendAsync(get);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
    }

    [Fact]
    public async Task A_sampling_request_from_a_2025_upstream_becomes_an_input_required_round()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var url = warden.BaseUrl + "/mcp/test";
        var capabilities = new JsonObject { ["sampling"] = new JsonObject() };
        var call = Request(1, "tools/call", new JsonObject { ["name"] = "sample", ["arguments"] = new JsonObject { ["prompt"] = "Capital of France?" } }, capabilities);

        var (status, body) = await PostAsync(http, url, call);
        Assert.Equal(HttpStatusCode.OK, status);
        var first = body["result"]!.AsObject();
        Assert.Equal("input_required", first["resultType"]!.GetValue<string>());
        var (key, input) = Assert.Single(first["inputRequests"]!.AsObject());
        Assert.Equal("sampling/createMessage", input!["method"]!.GetValue<string>());
        Assert.Equal("Capital of France?", input["params"]!["messages"]![0]!["content"]!["text"]!.GetValue<string>());

        var retry = Request(2, "tools/call", new JsonObject
        {
            ["name"] = "sample",
            ["arguments"] = new JsonObject { ["prompt"] = "Capital of France?" },
            ["requestState"] = first["requestState"]!.GetValue<string>(),
            ["inputResponses"] = new JsonObject
            {
                [key] = new JsonObject { ["role"] = "assistant", ["model"] = "test-model", ["content"] = new JsonObject { ["type"] = "text", ["text"] = "Paris" } },
            },
        }, capabilities);
        (status, body) = await PostAsync(http, url, retry);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body["id"]!.GetValue<int>());
        Assert.Equal("complete", body["result"]!["resultType"]!.GetValue<string>());
        Assert.Equal("Paris", body["result"]!["content"]![0]!["text"]!.GetValue<string>());

        // The state was spent: replaying it is refused with advice, not served twice.
        (status, body) = await PostAsync(http, url, retry);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32602, body["error"]!["code"]!.GetValue<int>());
        Assert.Contains("without requestState", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_capability_the_upstream_request_is_refused_and_no_round_is_asked()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var call = Request(1, "tools/call", new JsonObject { ["name"] = "sample", ["arguments"] = new JsonObject { ["prompt"] = "hi" } });

        var (status, body) = await PostAsync(http, warden.BaseUrl + "/mcp/test", call);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("complete", body["result"]!["resultType"]!.GetValue<string>());
        Assert.True(body["result"]!["isError"]!.GetValue<bool>());
        Assert.Contains("sampling", body["result"]!["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_on_a_2025_upstream_relays_the_changes_the_client_opted_in_to()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();
        var url = warden.BaseUrl + "/mcp/test";
        using var response = await ListenAsync(http, url, 41);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var ack = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/subscriptions/acknowledged", ack["method"]!.GetValue<string>());
        Assert.Equal(41, ack["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());
        Assert.True(ack["params"]!["notifications"]!["toolsListChanged"]!.GetValue<bool>());
        Assert.Equal("test://watched-resource", ack["params"]!["notifications"]!["resourceSubscriptions"]![0]!.GetValue<string>());

        var (status, _) = await PostAsync(http, url, Request(42, "tools/call", new JsonObject { ["name"] = "update_resource", ["arguments"] = new JsonObject { ["uri"] = "test://watched-resource" } }));
        Assert.Equal(HttpStatusCode.OK, status);
        var updated = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/resources/updated", updated["method"]!.GetValue<string>());
        Assert.Equal("test://watched-resource", updated["params"]!["uri"]!.GetValue<string>());
        Assert.Equal(41, updated["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());

        (status, _) = await PostAsync(http, url, Request(43, "tools/call", new JsonObject { ["name"] = "notify_tools_changed", ["arguments"] = new JsonObject() }));
        Assert.Equal(HttpStatusCode.OK, status);
        var changed = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/tools/list_changed", changed["method"]!.GetValue<string>());
    }

    [Fact]
    public async Task Listen_on_the_aggregate_relays_changes_of_a_2026_upstream_with_the_clients_subscription_id()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--session-mode", "stateless", "--protocol-version", "2026-07-28");

        // Both servers list test://watched-resource; the first by name (modern) owns it on the aggregate.
        await using var warden = await WardenHost.StartAsync($$"""
            servers:
              modern:
                url: {{upstream.Url}}
                timeout: 20s
              test:
                command: dotnet
                args: ["{{TestPaths.TestServerDll}}", "--stdio"]
                timeout: 20s
            """);
        using var http = new HttpClient();
        var url = warden.BaseUrl + "/mcp";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // The aggregate routes a URI by what the lists returned; an upstream still starting is left out of a
        // list, so list until both have answered.
        while ((await PostAsync(http, url, Request(50, "resources/list"))).Body["result"]!["resources"]!.AsArray()
            .Count(r => r!["uri"]!.GetValue<string>() == "test://watched-resource") < 2)
        {
            timeout.Token.ThrowIfCancellationRequested();
        }

        using var response = await ListenAsync(http, url, 51);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync());

        // Warden acknowledges once the 2026 upstream acknowledged its own stream, so nothing after this is missed.
        var ack = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/subscriptions/acknowledged", ack["method"]!.GetValue<string>());
        Assert.Equal(51, ack["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());
        Assert.Equal("test://watched-resource", ack["params"]!["notifications"]!["resourceSubscriptions"]![0]!.GetValue<string>());

        var (status, body) = await PostAsync(http, url, Request(52, "tools/call", new JsonObject { ["name"] = "modern__update_resource", ["arguments"] = new JsonObject { ["uri"] = "test://watched-resource" } }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("notified 1 subscriber(s)", body["result"]!["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        var updated = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/resources/updated", updated["method"]!.GetValue<string>());
        Assert.Equal("test://watched-resource", updated["params"]!["uri"]!.GetValue<string>());
        Assert.Equal(51, updated["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());

        (status, _) = await PostAsync(http, url, Request(53, "tools/call", new JsonObject { ["name"] = "modern__notify_tools_changed", ["arguments"] = new JsonObject() }));
        Assert.Equal(HttpStatusCode.OK, status);
        var changed = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/tools/list_changed", changed["method"]!.GetValue<string>());
        Assert.Equal(51, changed["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());

        // The 2025 upstream's changes still come the way they did, on the same stream.
        (status, _) = await PostAsync(http, url, Request(54, "tools/call", new JsonObject { ["name"] = "test__notify_tools_changed", ["arguments"] = new JsonObject() }));
        Assert.Equal(HttpStatusCode.OK, status);
        changed = await NextEventAsync(stream, timeout.Token);
        Assert.Equal("notifications/tools/list_changed", changed["method"]!.GetValue<string>());
        Assert.Equal(51, changed["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());
    }

    private static async Task<JsonNode> NextEventAsync(StreamReader stream, CancellationToken cancellationToken)
    {
        while (await stream.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return JsonNode.Parse(line[5..])!;
            }
        }

        throw new InvalidOperationException("The listen stream ended.");
    }

    [Fact]
    public async Task Aggregate_lists_are_qualified_and_marked_private_for_caches()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = new HttpClient();

        var (status, body) = await PostAsync(http, warden.BaseUrl + "/mcp", Request(4242, "tools/list"));

        Assert.Equal(HttpStatusCode.OK, status);
        var result = body["result"]!.AsObject();
        Assert.Contains(result["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "test__slow_echo");
        Assert.Equal("private", result["cacheScope"]!.GetValue<string>());
        Assert.True(result["ttlMs"]!.GetValue<int>() >= 0);

        // The audit record names the request by the client's id, not the one Warden ran it under.
        var store = warden.Services.GetRequiredService<Warden.Core.Audit.IAuditStore>();
        var page = await store.QueryAsync(new Warden.Core.Audit.AuditQuery { Method = "tools/list" }, CancellationToken.None);
        Assert.Equal("4242", Assert.Single(page.Records).RequestId);
    }

#pragma warning disable MCP9005 // Sampling is deprecated in 2026-07-28 but still part of it; the bridge must carry it.
    [Fact]
    public async Task The_csharp_sdk_client_speaking_2026_07_28_gets_sampling_through_the_bridge()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var options = new McpClientOptions
        {
            ProtocolVersion = Version,
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Model = "test-model",
                    Role = Role.Assistant,
                    Content = [new TextContentBlock { Text = "echo: " + ((TextContentBlock)request!.Messages[0].Content[0]).Text }],
                }),
            },
        };
        await using var client = await warden.ConnectAsync("/mcp/test", options);
        Assert.Equal(Version, client.NegotiatedProtocolVersion);

        var tools = await client.ListToolsAsync();
        Assert.Contains(tools, t => t.Name == "sample");

        var result = await client.CallToolAsync("sample", new Dictionary<string, object?> { ["prompt"] = "ping" });
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("echo: ping", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }
#pragma warning restore MCP9005

    private static JsonObject Request(int id, string method, JsonObject? parameters = null, JsonObject? capabilities = null)
    {
        parameters ??= [];
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Version,
            ["io.modelcontextprotocol/clientCapabilities"] = capabilities?.DeepClone() ?? new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1" },
        };
        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };
    }

    // Opens a subscriptions/listen stream for tools/list_changed and test://watched-resource; asserts it is SSE.
    private static async Task<HttpResponseMessage> ListenAsync(HttpClient http, string url, int id)
    {
        var listen = Request(id, "subscriptions/listen", new JsonObject
        {
            ["notifications"] = new JsonObject { ["toolsListChanged"] = true, ["resourceSubscriptions"] = new JsonArray("test://watched-resource") },
        });
        using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(listen.ToJsonString(), Encoding.UTF8) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        post.Headers.TryAddWithoutValidation("MCP-Protocol-Version", Version);
        post.Headers.TryAddWithoutValidation("Mcp-Method", "subscriptions/listen");
        var response = await http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(HttpClient http, string url, JsonObject message, string? method = null, string? name = null, string? version = null)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        post.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version ?? Version);
        var bodyMethod = message["method"]!.GetValue<string>();
        post.Headers.TryAddWithoutValidation("Mcp-Method", method ?? bodyMethod);
        if ((name ?? message["params"]?["name"]?.GetValue<string>()) is { } n)
        {
            post.Headers.TryAddWithoutValidation("Mcp-Name", n);
        }

        using var response = await http.SendAsync(post);
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            // The final response is the last data line of the request's stream.
            text = text.Split('\n').Last(l => l.StartsWith("data:", StringComparison.Ordinal))[5..];
        }

        return (response.StatusCode, JsonNode.Parse(text)!);
    }
}
