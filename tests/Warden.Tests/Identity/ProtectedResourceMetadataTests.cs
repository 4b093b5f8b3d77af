using System.Net;
using System.Text.Json.Nodes;
using Warden.Tests.Gateway;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity;

/// <summary>RFC 9728 documents for the base resource, /mcp and each /mcp/{server}; public, but still behind Host validation.</summary>
public sealed class ProtectedResourceMetadataTests
{
    [Theory]
    [InlineData("", "", "Warden MCP gateway")]
    [InlineData("/mcp", "/mcp", "Warden MCP gateway")]
    [InlineData("/mcp/test", "/mcp/test", "Warden: test")]
    public async Task Metadata_ForEachEndpoint_NamesItsResourceTheIdpAndHeaderBearer(string suffix, string resourcePath, string name)
    {
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config("https://login.example.com/realms/corp"));
        using var http = new HttpClient();

        var document = JsonNode.Parse(await http.GetStringAsync(warden.BaseUrl + "/.well-known/oauth-protected-resource" + suffix))!.AsObject();

        Assert.Equal(warden.BaseUrl + resourcePath, document["resource"]!.GetValue<string>());
        Assert.Equal("https://login.example.com/realms/corp", Assert.Single(document["authorization_servers"]!.AsArray())!.GetValue<string>());
        Assert.Equal("header", Assert.Single(document["bearer_methods_supported"]!.AsArray())!.GetValue<string>());
        Assert.Equal("mcp", Assert.Single(document["scopes_supported"]!.AsArray())!.GetValue<string>());
        Assert.Equal(name, document["resource_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metadata_WithConfiguredResource_UsesItAndItsPath()
    {
        var yaml = IdentityKit.Config("https://login.example.com") + "\n  resource: https://gateway.example.com/warden\nlisten:\n  allowedHosts: [\"*\"]\n";
        await using var warden = await WardenHost.StartAsync(yaml);
        using var http = new HttpClient();

        var document = JsonNode.Parse(await http.GetStringAsync(warden.BaseUrl + "/.well-known/oauth-protected-resource/warden/mcp/test"))!.AsObject();
        Assert.Equal("https://gateway.example.com/warden/mcp/test", document["resource"]!.GetValue<string>());

        using var challenge = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token: null);
        Assert.Equal("https://gateway.example.com/.well-known/oauth-protected-resource/warden/mcp/test", IdentityKit.Challenge(challenge)["resource_metadata"]);
    }

    [Fact]
    public async Task Metadata_UnknownServerOrNoAuth_Is404()
    {
        await using (var warden = await WardenHost.StartAsync(IdentityKit.Config("https://login.example.com")))
        {
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(warden.BaseUrl + "/.well-known/oauth-protected-resource/mcp/nope")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(warden.BaseUrl + "/.well-known/oauth-protected-resource/api/v1")).StatusCode);
        }

        await using var open = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(open.BaseUrl + "/.well-known/oauth-protected-resource")).StatusCode);
    }

    [Fact]
    public async Task Metadata_WithForeignHost_IsRefusedByHostValidation()
    {
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config("https://login.example.com"));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, warden.BaseUrl + "/.well-known/oauth-protected-resource/mcp/test");
        request.Headers.Host = "evil.example.com";

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
