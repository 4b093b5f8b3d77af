using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Warden.Gateway.Hosting;
using Warden.Tests.Gateway;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Cli;

/// <summary>`warden keys create|list|revoke|rotate-admin` against the data directory a running Warden uses.</summary>
public sealed partial class KeysCliTests
{
    [Fact]
    public async Task CreateListRevoke_WhileServing_KeyWorksThenIsRefused_AndBothChangesAreAudited()
    {
        var data = Directory.CreateTempSubdirectory("warden-keys-cli-").FullName;
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);

        var created = await WardenCli.RunAsync("keys", "create", "--name", "ci-bot", "--role", "engineering", "--role", "ci", "--expires", "90d",
            "--on-behalf-of", "alice", "--server", "test", "--data", data);

        Assert.True(created.ExitCode == 0, created.ToString());
        var key = Assert.Single(KeyPattern().Matches(created.Stdout)).Value;
        Assert.Contains("Authorization: Bearer", created.Stdout, StringComparison.Ordinal);
        var id = key[4..16];
        Assert.Equal(HttpStatusCode.OK, (await ApiKeyAuthenticationTests.InitializeAsync(warden, key)).StatusCode);

        var list = await WardenCli.RunAsync("keys", "list", "--data", data);
        Assert.True(list.ExitCode == 0, list.ToString());
        var row = Assert.Single(list.Stdout.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal));
        Assert.Contains("service_account", row, StringComparison.Ordinal);
        Assert.Contains("ci-bot (for alice)", row, StringComparison.Ordinal);
        Assert.Contains("engineering,ci", row, StringComparison.Ordinal);
        Assert.Contains("server:test", row, StringComparison.Ordinal);
        Assert.DoesNotContain(key[17..], list.Stdout, StringComparison.Ordinal);

        var revoked = await WardenCli.RunAsync("keys", "revoke", id, "--data", data);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());

        // Another process revoked it: the running Warden refuses it within its one-second cache.
        Polling.Until(() => ApiKeyAuthenticationTests.InitializeAsync(warden, key).GetAwaiter().GetResult().StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30));
        var all = JsonNode.Parse(Assert.Single((await WardenCli.RunAsync("keys", "list", "--all", "--json", "--data", data)).Stdout.Split('\n'), l => l.Contains(id, StringComparison.Ordinal)))!;
        Assert.Equal(Environment.UserName, all["revoked_by"]!.GetValue<string>());
        Assert.DoesNotContain(id, (await WardenCli.RunAsync("keys", "list", "--data", data)).Stdout, StringComparison.Ordinal);

        // Both are records in the log serve writes (chained onto its records), naming the operator who ran the command.
        var records = await ApiKeyAuthenticationTests.AuditAsync(warden, "source=auth");
        var create = Assert.Single(records, r => r!["input"]!["method"]!.GetValue<string>() == "auth/key/create" && r["input"]!["arguments"]!["id"]!.GetValue<string>() == id)!;
        Assert.Single(records, r => r!["input"]!["method"]!.GetValue<string>() == "auth/key/revoke" && r["input"]!["arguments"]!["id"]!.GetValue<string>() == id);
        Assert.Equal(Environment.UserName, create["user"]!["subject"]!.GetValue<string>());
        Assert.Equal("alice", create["input"]!["arguments"]!["on_behalf_of"]!.GetValue<string>());
        var verify = await WardenCli.RunAsync("audit", "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public async Task Create_BeforeTheFirstServe_MakesTheLogAndRecordsIt_ServeThenAcceptsTheKey()
    {
        var data = Directory.CreateTempSubdirectory("warden-keys-cli-").FullName;

        var created = await WardenCli.RunAsync("keys", "create", "--name", "bob-laptop", "--user", "bob", "--role", "engineering", "--expires", "never", "--data", data);

        Assert.True(created.ExitCode == 0, created.ToString());
        var key = Assert.Single(KeyPattern().Matches(created.Stdout)).Value;
        Assert.True(File.Exists(WardenGatewayExtensions.IdentityDatabasePath(data)));
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);
        Assert.Equal(HttpStatusCode.OK, (await ApiKeyAuthenticationTests.InitializeAsync(warden, key)).StatusCode);
        var records = await ApiKeyAuthenticationTests.AuditAsync(warden, "source=auth");
        Assert.Equal("person", Assert.Single(records, r => r!["input"]!["arguments"]!["name"]!.GetValue<string>() == "bob-laptop")!["input"]!["arguments"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_BadArguments_Exit2ListingEveryProblem_NoKeyMade()
    {
        var data = Directory.CreateTempSubdirectory("warden-keys-cli-").FullName;

        var result = await WardenCli.RunAsync("keys", "create", "--name", "ci bot", "--user", "bob", "--on-behalf-of", "alice", "--expires", "soon", "--data", data);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--expires must be", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("name must be", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("not both", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("at least one role", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("(no active keys", (await WardenCli.RunAsync("keys", "list", "--data", data)).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_UnknownId_Exit2SayingHowToFindIds()
    {
        var data = Directory.CreateTempSubdirectory("warden-keys-cli-").FullName;

        var result = await WardenCli.RunAsync("keys", "revoke", "abcdefghijkl", "--data", data);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("warden keys list --all", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateAdmin_WhileServing_NewKeyOpensTheApi_OldOneIsRefused()
    {
        var data = Directory.CreateTempSubdirectory("warden-keys-cli-").FullName;
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);
        var old = warden.AdminKey;

        var rotated = await WardenCli.RunAsync("keys", "rotate-admin", "--data", data);

        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        var fresh = Assert.Single(KeyPattern().Matches(rotated.Stdout)).Value;
        Assert.Contains("revoked " + old[4..16], rotated.Stdout, StringComparison.Ordinal);
        Polling.Until(() => Status(warden, old) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, Status(warden, fresh));
        var kinds = (await WardenCli.RunAsync("keys", "list", "--all", "--json", "--data", data)).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Where(k => k["kind"]!.GetValue<string>() == "admin").ToList();
        Assert.Equal(2, kinds.Count);
        Assert.Single(kinds, k => k["revoked"] is null);
    }

    private static HttpStatusCode Status(WardenHost warden, string bearer)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        using var response = http.GetAsync(warden.BaseUrl + "/api/v1/audit?limit=1").GetAwaiter().GetResult();
        return response.StatusCode;
    }

    [GeneratedRegex("wdn_[a-z2-7]{12}_[A-Za-z0-9]{43}")]
    private static partial Regex KeyPattern();
}
