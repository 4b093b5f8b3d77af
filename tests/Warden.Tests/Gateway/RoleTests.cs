using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// Roles through a real Warden and the real test server: lists show only what the caller may use (across pages),
/// a hidden tool reads exactly like an unknown one, read-only roles, deny beats allow, required justifications,
/// role changes by reload on an open session, servers the caller does not reach, personal endpoints, both eras.
/// </summary>
public sealed class RoleTests
{
    private const string Stateless = "2026-07-28";

    private static string Config(string roles) => $$"""
        servers:
          test:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio", "--tool-page-size", "3", "--filler-tools", "7"]
            timeout: 30s
          other:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            timeout: 30s
        roles:
        {{roles}}
        """;

    private const string Roles = """
          fillers:
            servers: [test]
            tools: { allow: ["filler_*", slow_echo], deny: [filler_0002] }
            prompts: { deny: ["*"] }
          viewer:
            servers: [test]
            readOnly: true
          justified:
            servers: [test]
            tools: [echo_arguments, slow_echo]
            requireJustification: [echo_arguments]
          reaches-other:
            servers: [other]
        """;

    private static readonly string[] GrantedFillers = ["filler_0001", "filler_0003", "filler_0004", "filler_0005", "filler_0006", "filler_0007", "slow_echo"];

    private static Task<WardenHost> StartAsync(string? yaml = null) =>
        WardenHost.StartAsync(yaml ?? Config(Roles), services: s => s.AddSingleton<ICallerAuthenticator, TestHeaderAuthenticator>());

    private static Task<McpClient> ConnectAsync(WardenHost warden, string path, string subject, params string[] roles) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(warden.BaseUrl + path),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = TestHeaderAuthenticator.Headers(subject, roles),
        }), new McpClientOptions { ProtocolVersion = "2025-11-25" });

    [Fact]
    public async Task Initialize_RolesFromUsersSection_AreTheRolesItsRecordNames()
    {
        await using var warden = await StartAsync(Config(Roles) + "\nusers:\n  ann: [fillers]\n");
        await using (var client = await ConnectAsync(warden, "/mcp/test", "ann"))
        {
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "hi", ["delayMs"] = 0 });
        }

        using var http = warden.AdminHttp();
        var records = JsonNode.Parse(await http.GetStringAsync(warden.BaseUrl + "/api/v1/audit?server=test"))!["records"]!.AsArray();
        var initialize = Assert.Single(records, r => r!["input"]!["method"]!.GetValue<string>() == "initialize")!;
        var call = Assert.Single(records, r => r!["input"]!["method"]!.GetValue<string>() == "tools/call")!;
        Assert.Equal(["fillers"], initialize["user"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(["fillers"], call["user"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task ToolsList_RestrictedRole_ShowsOnlyGrantedToolsAcrossPages()
    {
        await using var warden = await StartAsync();
        await using var direct = await ConnectAsync(warden, "/mcp/test", "ann", "fillers");
        await using var aggregate = await ConnectAsync(warden, "/mcp", "ann", "fillers");

        // The upstream pages three tools at a time; the SDK follows nextCursor through pages Warden shortened.
        Assert.Equal(GrantedFillers, (await direct.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(GrantedFillers.Select(n => "test__" + n), (await aggregate.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Empty(await direct.ListPromptsAsync());

        // The same caller as admin sees everything, including the tools the role left out.
        await using var admin = await ConnectAsync(warden, "/mcp/test", "ann", "fillers", "admin");
        var all = (await admin.ListToolsAsync()).Select(t => t.Name).ToList();
        Assert.Contains("filler_0002", all);
        Assert.Contains("crash", all);
        Assert.NotEmpty(await admin.ListPromptsAsync());
    }

    [Fact]
    public async Task ToolsList_StatelessEra_FilteredPageByPage_PagingReachesTheEnd()
    {
        await using var warden = await StartAsync();
        using var http = new HttpClient();
        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var parameters = cursor is null ? new JsonObject() : new JsonObject { ["cursor"] = cursor };
            var (status, body, _) = await PostAsync(http, warden.BaseUrl + "/mcp/test", ModernRequest(1, "tools/list", parameters), Stateless, "ann", "fillers");
            Assert.Equal(HttpStatusCode.OK, status);
            var result = JsonNode.Parse(body)!["result"]!;
            Assert.True(result["tools"]!.AsArray().Count <= 3);
            names.AddRange(result["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
            cursor = result["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);

        Assert.True(pages > 3, $"{pages} pages");
        Assert.Equal(GrantedFillers, names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/mcp/test", "crash", "no_such_tool", "2025-11-25")]
    [InlineData("/mcp", "test__crash", "test__no_such_tool", "2025-11-25")]
    [InlineData("/mcp", "other__slow_echo", "nowhere__slow_echo", "2025-11-25")]
    [InlineData("/mcp/test", "crash", "no_such_tool", Stateless)]
    [InlineData("/mcp", "test__filler_0002", "test__filler_9999", Stateless)]
    [InlineData("/mcp", "other__slow_echo", "nowhere__slow_echo", Stateless)]
    public async Task ToolsCall_HiddenTool_AnsweredByteForByteAsAnUnknownOne(string path, string hidden, string unknown, string version)
    {
        await using var warden = await StartAsync();
        using var http = new HttpClient();
        var url = warden.BaseUrl + path;
        string? session = null;
        if (version != Stateless)
        {
            var (status, _, id) = await PostAsync(http, url, Initialize(), version, "ann", "fillers");
            Assert.Equal(HttpStatusCode.OK, status);
            session = id;
        }

        async Task<string> CallAsync(string name)
        {
            var call = new JsonObject { ["name"] = name, ["arguments"] = new JsonObject() };
            var (status, body, _) = await PostAsync(http, url, version == Stateless ? ModernRequest(5, "tools/call", call) : Request(5, "tools/call", call), version, "ann", "fillers", session);
            Assert.Equal(HttpStatusCode.OK, status);
            return body;
        }

        var hiddenAnswer = await CallAsync(hidden);
        var unknownAnswer = await CallAsync(unknown);

        // The answer names what was asked for; with that put aside the two are the same bytes.
        Assert.Contains("Unknown tool", hiddenAnswer, StringComparison.Ordinal);
        Assert.Equal(unknownAnswer.Replace(unknown, "NAME", StringComparison.Ordinal), hiddenAnswer.Replace(hidden, "NAME", StringComparison.Ordinal));

        // The hidden one is a denial in the audit log, naming the rule; the unknown one is not.
        var records = await ReadAllAsync(warden);
        var denied = Assert.Single(records, r => r.Input.Method == "tools/call" && r.Decision.Effect == AuditEffect.Deny);
        Assert.StartsWith("roles.", Assert.Single(denied.Decision.RuleIds), StringComparison.Ordinal);
        Assert.Contains("roles held: fillers", denied.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyRole_WriteToolRefusedAsUnknown_ReadToolAllowed_DenialRecorded()
    {
        await using var warden = await StartAsync();
        await using var client = await ConnectAsync(warden, "/mcp/test", "vic", "viewer");

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        Assert.Contains("slow_echo", names);
        Assert.DoesNotContain("echo_arguments", names);
        Assert.DoesNotContain("crash", names);
        Assert.DoesNotContain("notify_tools_changed", names);

        var read = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "hi", ["delayMs"] = 0 });
        Assert.NotEqual(true, read.IsError);
        var write = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("echo_arguments", new Dictionary<string, object?> { ["x"] = 1 }));
        Assert.Contains("Unknown tool: 'echo_arguments'", write.Message, StringComparison.Ordinal);

        var denied = Assert.Single(await ReadAllAsync(warden), r => r.Input.Name == "echo_arguments");
        Assert.Equal(AuditEffect.Deny, denied.Decision.Effect);
        Assert.Equal(["roles.viewer.readOnly"], denied.Decision.RuleIds);
        Assert.Equal(["viewer"], denied.User.Roles);
    }

    [Fact]
    public async Task Justification_AddedToSchema_RefusedWhenMissing_StrippedAndRecordedWhenGiven()
    {
        await using var warden = await StartAsync();
        await using var client = await ConnectAsync(warden, "/mcp/test", "jo", "justified");

        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name, t => JsonNode.Parse(t.ProtocolTool.InputSchema.GetRawText())!);
        Assert.Equal(["echo_arguments", "slow_echo"], tools.Keys.Order(StringComparer.Ordinal));
        var schema = tools["echo_arguments"];
        Assert.Equal("string", schema["properties"]!["justification"]!["type"]!.GetValue<string>());
        Assert.Equal(10, schema["properties"]!["justification"]!["minLength"]!.GetValue<int>());
        Assert.Contains("justification", schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Null(tools["slow_echo"]["properties"]!["justification"]);

        var missing = await client.CallToolAsync("echo_arguments", new Dictionary<string, object?> { ["x"] = 1 });
        Assert.True(missing.IsError);
        Assert.Contains("needs a justification", ((TextContentBlock)missing.Content[0]).Text, StringComparison.Ordinal);
        var blank = await client.CallToolAsync("echo_arguments", new Dictionary<string, object?> { ["x"] = 1, ["justification"] = "   too short  " });
        Assert.True(blank.IsError);
        Assert.Contains("shorter than 10", ((TextContentBlock)blank.Content[0]).Text, StringComparison.Ordinal);

        var given = await client.CallToolAsync("echo_arguments", new Dictionary<string, object?> { ["x"] = 1, ["justification"] = "Ticket 4711: customer asked for a refund" });
        Assert.NotEqual(true, given.IsError);
        var received = JsonNode.Parse(((TextContentBlock)given.Content[0]).Text)!.AsObject();
        Assert.Equal(1, received["x"]!.GetValue<int>());
        Assert.False(received.ContainsKey("justification"));

        var records = (await ReadAllAsync(warden)).Where(r => r.Input.Name == "echo_arguments").ToList();
        Assert.Equal(3, records.Count);
        Assert.All(records[..2], r => Assert.Equal(AuditEffect.Deny, r.Decision.Effect));
        Assert.All(records[..2], r => Assert.Equal(["roles.justified.requireJustification"], r.Decision.RuleIds));
        Assert.Equal(AuditEffect.Allow, records[2].Decision.Effect);
        Assert.Equal("Ticket 4711: customer asked for a refund", records[2].Input.Justification);
        Assert.False(records[2].Input.Arguments!.AsObject().ContainsKey("justification"));
        Assert.Equal(["roles.justified.requireJustification"], records[2].Decision.RuleIds);
    }

    [Fact]
    public async Task RoleChange_ByConfigReload_AppliesToTheNextRequestOfAnOpenSession()
    {
        var directory = Directory.CreateTempSubdirectory("warden-roles-");
        var path = Path.Combine(directory.FullName, "warden.yaml");
        await File.WriteAllTextAsync(path, Config(Roles));
        var parsed = ConfigParser.ParseFile(path);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        await using var warden = await WardenHost.StartAsync(parsed.Config!, services: s => s.AddSingleton<ICallerAuthenticator, TestHeaderAuthenticator>());
        await using var client = await ConnectAsync(warden, "/mcp", "ann", "fillers");
        var echo = new Dictionary<string, object?> { ["message"] = "hi", ["delayMs"] = 0 };
        Assert.NotEqual(true, (await client.CallToolAsync("test__slow_echo", echo)).IsError);

        var state = warden.Services.GetRequiredService<WardenState>();
        var before = state.Config;
        await File.WriteAllTextAsync(path, Config(Roles.Replace("allow: [\"filler_*\", slow_echo]", "allow: [\"filler_*\"]", StringComparison.Ordinal)));
        Polling.Until(() => !ReferenceEquals(state.Config, before), TimeSpan.FromSeconds(30));

        // Same session, same credential: the next request is decided by the new roles.
        var refused = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("test__slow_echo", echo));
        Assert.Contains("Unknown tool", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("test__slow_echo", (await client.ListToolsAsync()).Select(t => t.Name));
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData(Stateless)]
    public async Task ServerTheCallerDoesNotReach_AnsweredAsAnUnknownServer(string version)
    {
        await using var warden = await StartAsync();
        using var http = new HttpClient();
        var message = version == Stateless ? ModernRequest(1, "tools/list", []) : Initialize();

        var (status, body, session) = await PostAsync(http, warden.BaseUrl + "/mcp/other", message, version, "ann", "fillers");
        var (unknownStatus, unknownBody, _) = await PostAsync(http, warden.BaseUrl + "/mcp/nowhere", message, version, "ann", "fillers");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Null(session);
        Assert.Equal(unknownStatus, status);
        Assert.Equal(unknownBody.Replace("nowhere", "NAME", StringComparison.Ordinal), body.Replace("other", "NAME", StringComparison.Ordinal));
        Assert.Contains("Servers on this Warden: test;", body, StringComparison.Ordinal);

        // Whoever holds the role reaches it.
        var (allowed, _, _) = await PostAsync(http, warden.BaseUrl + "/mcp/other", message, version, "ann", "fillers", null, "reaches-other");
        Assert.Equal(HttpStatusCode.OK, allowed);
    }

    [Fact]
    public async Task PersonalEndpoint_OffersTheUsersToolsAndRefusesEveryoneElse()
    {
        await using var warden = await StartAsync();
        await using var own = await ConnectAsync(warden, "/mcp/u/ann", "ann", "fillers");

        Assert.Equal(GrantedFillers.Select(n => "test__" + n), (await own.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.NotEqual(true, (await own.CallToolAsync("test__slow_echo", new Dictionary<string, object?> { ["message"] = "mine", ["delayMs"] = 0 })).IsError);

        using var http = new HttpClient();
        foreach (var (subject, roles) in new[] { ("bob", new[] { "fillers" }), ("root", new[] { "admin" }) })
        {
            var (status, body, session) = await PostAsync(http, warden.BaseUrl + "/mcp/u/ann", Initialize(), "2025-11-25", subject, roles);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Null(session);
            Assert.Contains("serves only the user it is named after", body, StringComparison.Ordinal);
        }

        var (stateless, _, _) = await PostAsync(http, warden.BaseUrl + "/mcp/u/ann", ModernRequest(2, "tools/list", []), Stateless, "bob", "fillers");
        Assert.Equal(HttpStatusCode.NotFound, stateless);
    }

    private static JsonObject Initialize() => Request(1, "initialize", new JsonObject
    {
        ["protocolVersion"] = "2025-11-25",
        ["capabilities"] = new JsonObject(),
        ["clientInfo"] = new JsonObject { ["name"] = "raw-roles-test", ["version"] = "1" },
    });

    private static JsonObject Request(int id, string method, JsonObject parameters) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };

    private static JsonObject ModernRequest(int id, string method, JsonObject parameters)
    {
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Stateless,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
        };
        return Request(id, method, parameters);
    }

    private static async Task<(HttpStatusCode Status, string Body, string? Session)> PostAsync(HttpClient http, string url, JsonObject message, string version, string subject, string roles, string? session = null, string? moreRoles = null)
        => await PostAsync(http, url, message, version, subject, moreRoles is null ? [roles] : [roles, moreRoles], session);

    private static async Task<(HttpStatusCode Status, string Body, string? Session)> PostAsync(HttpClient http, string url, JsonObject message, string version, string subject, string[] roles, string? session = null)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        foreach (var (name, value) in TestHeaderAuthenticator.Headers(subject, roles))
        {
            post.Headers.TryAddWithoutValidation(name, value);
        }

        var method = message["method"]!.GetValue<string>();
        if (method != "initialize")
        {
            post.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
        }

        if (session is not null)
        {
            post.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        }

        if (version == Stateless)
        {
            post.Headers.TryAddWithoutValidation("Mcp-Method", method);
            if (message["params"]?["name"]?.GetValue<string>() is { } name)
            {
                post.Headers.TryAddWithoutValidation("Mcp-Name", name);
            }
        }

        using var response = await http.SendAsync(post);
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            text = text.Split('\n').Last(l => l.StartsWith("data:", StringComparison.Ordinal))[5..].Trim();
        }

        return (response.StatusCode, text, response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.First() : null);
    }

    private static async Task<List<AuditRecord>> ReadAllAsync(WardenHost warden)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in warden.Services.GetRequiredService<IAuditStore>().ReadAsync(1, CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }
}
