using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>Roles over the npm reference server-everything: tools, prompts and resources filtered; hidden reads as missing.</summary>
public sealed class EverythingRoleTests
{
    private static string Config => InteropConfigs.EverythingStdio() + """

        roles:
          limited:
            servers: [everything]
            tools: [echo]
            prompts: [simple-prompt]
            resources: { allow: ["demo://resource/static/*"], deny: ["*/features.md"] }
        """;

    private static Task<McpClient> ConnectAsync(WardenHost warden, params string[] roles) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(warden.BaseUrl + "/mcp/everything"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = TestHeaderAuthenticator.Headers("erin", roles),
        }), new McpClientOptions { ProtocolVersion = "2025-11-25" });

    [Fact]
    public async Task EverythingServer_LimitedRole_SeesOnlyGrantedToolsPromptsAndResources()
    {
        await using var warden = await WardenHost.StartAsync(Config, services: s => s.AddSingleton<ICallerAuthenticator, TestHeaderAuthenticator>());
        await using var admin = await ConnectAsync(warden, "admin");
        await using var client = await ConnectAsync(warden, "limited");

        var allResources = (await admin.ListResourcesAsync()).Select(r => r.Uri).ToList();
        Assert.Contains("demo://resource/static/document/features.md", allResources);
        Assert.True((await admin.ListToolsAsync()).Count > 1);

        Assert.Equal(["echo"], (await client.ListToolsAsync()).Select(t => t.Name));
        Assert.Equal(["simple-prompt"], (await client.ListPromptsAsync()).Select(p => p.Name));
        var resources = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();
        Assert.NotEmpty(resources);
        Assert.Equal(allResources.Where(u => u.StartsWith("demo://resource/static/", StringComparison.Ordinal) && !u.EndsWith("/features.md", StringComparison.Ordinal)), resources);
        Assert.Empty(await client.ListResourceTemplatesAsync());

        // A hidden prompt and resource read exactly as ones that do not exist.
        var hiddenPrompt = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("args-prompt"));
        var missingPrompt = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("no-such-prompt"));
        Assert.Equal(missingPrompt.ErrorCode, hiddenPrompt.ErrorCode);
        Assert.Equal(missingPrompt.Message.Replace("no-such-prompt", "NAME", StringComparison.Ordinal), hiddenPrompt.Message.Replace("args-prompt", "NAME", StringComparison.Ordinal));

        const string hiddenUri = "demo://resource/static/document/features.md", missingUri = "demo://resource/static/document/no-such.md";
        var hiddenRead = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync(hiddenUri));
        var missingRead = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync(missingUri));
        Assert.Equal(missingRead.ErrorCode, hiddenRead.ErrorCode);
        Assert.Equal(missingRead.Message.Replace(missingUri, "URI", StringComparison.Ordinal), hiddenRead.Message.Replace(hiddenUri, "URI", StringComparison.Ordinal));

        Assert.NotNull(await client.ReadResourceAsync(resources[0]));
        Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hi" })).IsError);
    }
}
