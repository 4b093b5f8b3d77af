using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity;

/// <summary>
/// Upstream credentials: each user's own secret, entered once through the API, reaches only their connections (as an
/// environment variable of a stdio server, a header of an HTTP server); nobody else's, and nowhere in clear.
/// </summary>
public sealed class UpstreamCredentialTests
{
    private const string AliceSecret = "ghp_aliceOwnToken1234567890abcdefghijkl";
    private const string BobSecret = "bob-secret-value-0987654321-zyxwvut";

    // Matches no built-in rule and travels in a header whose name is not secret-looking: only the injected-credential
    // masking can keep it out of the audit log.
    private const string NeutralSecret = "plainly7value8nobody9guesses";

    private static string StdioConfig(string scope = "per-user") => $$"""
        servers:
          test:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            credentials:
              scope: {{scope}}
              env: WARDEN_TEST_TOKEN
        """;

    private static Task<WardenHost> StartAsync(string yaml, CapturedLogs? logs = null) =>
        WardenHost.StartAsync(yaml, logs: logs, services: s => s.AddSingleton<ICallerAuthenticator, TestHeaderAuthenticator>());

    private static Task<McpClient> ConnectAsync(WardenHost warden, string path, string subject) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(warden.BaseUrl + path),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = TestHeaderAuthenticator.Headers(subject, "engineering"),
        }), new McpClientOptions { ProtocolVersion = "2025-11-25" });

    private static HttpClient As(string subject)
    {
        var http = new HttpClient();
        foreach (var (name, value) in TestHeaderAuthenticator.Headers(subject, "engineering"))
        {
            http.DefaultRequestHeaders.Add(name, value);
        }

        return http;
    }

    private static async Task<string?> FingerprintAsync(McpClient client, string name)
    {
        var result = await client.CallToolAsync("credential_fingerprint", new Dictionary<string, object?> { ["name"] = name });
        return JsonNode.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text)!["sha256"]?.GetValue<string>();
    }

    private static string Sha256(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    [Fact]
    public async Task PerUserStdio_EachUsersOwnSecretReachesOnlyTheirProcess_AndIsNeverStoredInClear()
    {
        var logs = new CapturedLogs();
        await using var warden = await StartAsync(StdioConfig(), logs);

        // Bob has stored nothing yet: his connection is refused, saying how to store one.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(warden, "/mcp/test", "bob"));
        Assert.Contains("/api/v1/me/credentials/test", refused.ToString(), StringComparison.Ordinal);

        using (var alice = As("alice"))
        {
            var put = await alice.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/test", new { secret = AliceSecret });
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
            var listed = JsonNode.Parse(await alice.GetStringAsync(warden.BaseUrl + "/api/v1/me/credentials"))!;
            var entry = Assert.Single(listed["servers"]!.AsArray())!;
            Assert.True(entry["stored"]!.GetValue<bool>());
            Assert.DoesNotContain(AliceSecret, listed.ToJsonString(), StringComparison.Ordinal);
        }

        using (var bob = As("bob"))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await bob.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/test", new { secret = BobSecret })).StatusCode);
        }

        await using (var alice = await ConnectAsync(warden, "/mcp/test", "alice"))
        await using (var bob = await ConnectAsync(warden, "/mcp/test", "bob"))
        {
            Assert.Equal(Sha256(AliceSecret), await FingerprintAsync(alice, "WARDEN_TEST_TOKEN"));
            Assert.Equal(Sha256(BobSecret), await FingerprintAsync(bob, "WARDEN_TEST_TOKEN"));
        }

        // Stored sealed, recorded without the value, never logged.
        using var audit = warden.AdminHttp();
        var records = JsonNode.Parse(await audit.GetStringAsync(warden.BaseUrl + "/api/v1/audit?source=auth"))!["records"]!.AsArray();
        Assert.Equal(2, records.Count(r => r!["input"]!["method"]!.GetValue<string>() == AuthEvents.UpstreamCredential));
        foreach (var file in Directory.EnumerateFiles(warden.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(AliceSecret)) < 0, $"{file} holds alice's secret in clear");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(BobSecret)) < 0, $"{file} holds bob's secret in clear");
        }

        Assert.DoesNotContain(AliceSecret, logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(BobSecret, logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerUserHttp_SecretTravelsInTheConfiguredHeaderAndFormat_RotationTakesEffectOnTheNextSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        await using var warden = await StartAsync($"""
            servers:
              web:
                url: {upstream.Url}
                transport: streamable-http
                protocolVersion: 2025-11-25
                credentials:
                  header: X-Team-Value
                  format: "token {"{"}secret{"}"}"
            """);
        using var alice = As("alice");
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/web", new { secret = NeutralSecret })).StatusCode);

        await using (var client = await ConnectAsync(warden, "/mcp/web", "alice"))
        {
            Assert.Equal(Sha256("token " + NeutralSecret), await FingerprintAsync(client, "X-Team-Value"));

            // An upstream that echoes the credential back: alice sees her own header, the audit log sees a marker.
            var echoed = await client.CallToolAsync("echo_http_headers", new Dictionary<string, object?>());
            Assert.Contains(NeutralSecret, Assert.IsType<TextContentBlock>(echoed.Content[0]).Text, StringComparison.Ordinal);
        }

        using (var audit = warden.AdminHttp())
        {
            var record = Assert.Single(JsonNode.Parse(await audit.GetStringAsync(warden.BaseUrl + "/api/v1/audit?tool=echo_http_headers"))!["records"]!.AsArray())!.ToJsonString();
            Assert.DoesNotContain(NeutralSecret, record, StringComparison.Ordinal);
            Assert.Contains("[REDACTED:upstream-credential]", record, StringComparison.Ordinal);
        }

        foreach (var file in Directory.EnumerateFiles(warden.DataDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.True((await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(Encoding.UTF8.GetBytes(NeutralSecret)) < 0, $"{file} holds alice's secret in clear");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/web", new { secret = "rotated-" + NeutralSecret })).StatusCode);
        await using (var client = await ConnectAsync(warden, "/mcp/web", "alice"))
        {
            Assert.Equal(Sha256("token rotated-" + NeutralSecret), await FingerprintAsync(client, "X-Team-Value"));
        }
    }

    [Fact]
    public async Task PerUserOnAStatelessOnlyUpstream_BridgedSessionsEachCarryTheirOwnUsersSecret()
    {
        // The upstream refuses initialize; 2025 sessions reach it through Warden's bridge, over a stateless connection
        // Warden keeps per server: per user, when the server takes per-user credentials.
        await using var upstream = await TestServerProcess.StartHttpAsync("--session-mode", "stateless", "--protocol-version", "2026-07-28");
        await using var warden = await StartAsync($"""
            servers:
              modern:
                url: {upstream.Url}
                timeout: 20s
                credentials:
                  header: X-Team-Value
            """);
        foreach (var (user, secret) in new[] { ("alice", NeutralSecret), ("bob", BobSecret) })
        {
            using var http = As(user);
            Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/modern", new { secret })).StatusCode);
        }

        await using var alice = await ConnectAsync(warden, "/mcp/modern", "alice");
        Assert.Equal(Sha256(NeutralSecret), await FingerprintAsync(alice, "X-Team-Value"));
        await using var bob = await ConnectAsync(warden, "/mcp/modern", "bob");
        Assert.Equal(Sha256(BobSecret), await FingerprintAsync(bob, "X-Team-Value"));
        Assert.Equal(Sha256(NeutralSecret), await FingerprintAsync(alice, "X-Team-Value"));
    }

    [Fact]
    public async Task MeCredentials_BadInput_GetsClearErrorsAndStoresNothing()
    {
        await using var warden = await StartAsync(StdioConfig());
        using var alice = As("alice");

        var unknown = await alice.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/nope", new { secret = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Unknown server 'nope'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var noBody = await alice.PutAsync(warden.BaseUrl + "/api/v1/me/credentials/test", new StringContent("{\"token\":\"x\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
        Assert.Contains("{\\\"secret\\\"", await noBody.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var twoLines = await alice.PutAsJsonAsync(warden.BaseUrl + "/api/v1/me/credentials/test", new { secret = "a\nb" });
        Assert.Equal(HttpStatusCode.BadRequest, twoLines.StatusCode);

        var listed = JsonNode.Parse(await alice.GetStringAsync(warden.BaseUrl + "/api/v1/me/credentials"))!;
        Assert.False(listed["servers"]![0]!["stored"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync(warden.BaseUrl + "/api/v1/me/credentials/test")).StatusCode);
    }

    [Fact]
    public async Task SharedCredential_SetWithTheCli_ReachesEveryUsersConnection()
    {
        var data = Directory.CreateTempSubdirectory("warden-credentials-").FullName;
        var config = Path.Combine(data, "warden.yaml");
        await File.WriteAllTextAsync(config, StdioConfig("shared"));

        var set = await WardenCli.RunWithInputAsync("shared-service-token-42\n", "credentials", "set", "--server", "test", "--shared", "--config", config, "--data", data);
        Assert.True(set.ExitCode == 0, set.Stderr + set.Stdout);
        Assert.DoesNotContain("shared-service-token-42", set.Stdout + set.Stderr, StringComparison.Ordinal);

        var wrong = await WardenCli.RunWithInputAsync("x\n", "credentials", "set", "--server", "test", "--user", "alice", "--config", config, "--data", data);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("--shared", wrong.Stderr, StringComparison.Ordinal);

        await using var warden = await WardenHost.StartAsync(StdioConfig("shared"), dataDirectory: data, services: s => s.AddSingleton<ICallerAuthenticator, TestHeaderAuthenticator>());
        await using var carol = await ConnectAsync(warden, "/mcp/test", "carol");
        Assert.Equal(Sha256("shared-service-token-42"), await FingerprintAsync(carol, "WARDEN_TEST_TOKEN"));

        var list = await WardenCli.RunAsync("credentials", "list", "--config", config, "--data", data);
        Assert.Contains("(shared)", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shared-service-token-42", list.Stdout, StringComparison.Ordinal);
    }
}
