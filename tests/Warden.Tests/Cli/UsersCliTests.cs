using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Cli;

/// <summary>`warden users endpoint`: the personal endpoint URL and client configurations ready to paste.</summary>
public sealed class UsersCliTests
{
    private static string Sample => Path.Combine(TestPaths.RepoRoot, "samples", "roles.yaml");

    [Fact]
    public async Task UsersEndpoint_UserInConfig_PrintsUrlServersAndClientConfigs()
    {
        var result = await WardenCli.RunAsync("users", "endpoint", "bob@example.com", "--config", Sample, "--url", "https://warden.example.com/");

        Assert.Equal(0, result.ExitCode);
        const string url = "https://warden.example.com/mcp/u/bob%40example.com";
        Assert.Contains($"Personal endpoint of bob@example.com: {url}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Servers: analytics-anon, customers-db", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"claude mcp add --transport http warden {url}", result.Stdout, StringComparison.Ordinal);

        // Both JSON blocks parse and point at the endpoint.
        var blocks = result.Stdout.Split("\n\n").Where(b => b.Contains("mcpServers", StringComparison.Ordinal)).Select(b => JsonNode.Parse(b[b.IndexOf('{', StringComparison.Ordinal)..])!).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Equal("http", blocks[0]["mcpServers"]!["warden"]!["type"]!.GetValue<string>());
        Assert.All(blocks, b => Assert.Equal(url, b["mcpServers"]!["warden"]!["url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task UsersEndpoint_UserWithoutRoles_ExplainsHowToGiveThem()
    {
        var missing = await WardenCli.RunAsync("users", "endpoint", "eve@example.com", "--config", Sample);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--role", missing.Stderr, StringComparison.Ordinal);

        var withRole = await WardenCli.RunAsync("users", "endpoint", "eve@example.com", "--config", Sample, "--role", "Engineering");
        Assert.Equal(0, withRole.ExitCode);
        Assert.Contains("Servers: dev-postgres, dev-github", withRole.Stdout, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:8787/mcp/u/eve%40example.com", withRole.Stdout, StringComparison.Ordinal);

        var typo = await WardenCli.RunAsync("users", "endpoint", "eve@example.com", "--config", Sample, "--role", "Enginering");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("Enginering", typo.Stderr, StringComparison.Ordinal);
    }
}
