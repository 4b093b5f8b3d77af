using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using Warden.Core.Identity;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;
using Warden.Storage.Sqlite.Identity;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>API keys on /mcp: who they make the caller, what the audit record says, and every way a key is refused.</summary>
public sealed class ApiKeyAuthenticationTests
{
    private const string InitializeBody = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    internal static async Task<ApiKeyIssued> CreateKeyAsync(WardenHost warden, string name = "ci-bot", string? user = null, string? onBehalfOf = "alice", DateTimeOffset? expires = null, string[]? roles = null) =>
        await warden.Services.GetRequiredService<ApiKeyService>().CreateAsync(new ApiKeyRequest
        {
            Name = name,
            User = user,
            OnBehalfOf = user is null ? onBehalfOf : null,
            Roles = roles ?? ["engineering"],
            Servers = ["test"],
            Tools = ["slow_*"],
            Expires = expires,
        }, "test", default);

    internal static async Task<HttpResponseMessage> InitializeAsync(WardenHost warden, string? bearer, string path = "/mcp/test")
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, warden.BaseUrl + path) { Content = new StringContent(InitializeBody, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    internal static async Task<JsonArray> AuditAsync(WardenHost warden, string query)
    {
        using var http = warden.AdminHttp();
        return JsonNode.Parse(await http.GetStringAsync($"{warden.BaseUrl}/api/v1/audit?{query}"))!["records"]!.AsArray();
    }

    [Fact]
    public async Task ServiceAccountKey_CallsTool_RecordNamesTheAccountAndTheHuman()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden, "ci-bot", onBehalfOf: "alice");

        await using (var client = await warden.ConnectAsync("/mcp/test", bearer: issued.Token))
        {
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "from ci", ["delayMs"] = 0 });
        }

        var call = Assert.Single(await AuditAsync(warden, "tool=slow_echo"))!;
        Assert.Equal("ci-bot", call["user"]!["subject"]!.GetValue<string>());
        Assert.Equal("alice", call["user"]!["on_behalf_of"]!.GetValue<string>());
        Assert.Equal("service_account", call["user"]!["auth_method"]!.GetValue<string>());
        Assert.Equal(issued.Key.Id, call["user"]!["credential_id"]!.GetValue<string>());
        Assert.Equal(["engineering"], call["user"]!["roles"]!.AsArray().Select(r => r!.GetValue<string>()));

        // The key's scope travels on the caller for the authorization step; last use is recorded.
        var caller = ApiKeyAuthenticator.CallerOf(issued.Key);
        Assert.Equal(["test"], caller.ServerScope);
        Assert.Equal(["slow_*"], caller.ToolScope);
        Assert.Equal(issued.Key.Id, caller.CredentialId);
        Assert.NotNull((await warden.Services.GetRequiredService<IApiKeyStore>().FindAsync(issued.Key.Id, default))!.LastUsed);
    }

    [Fact]
    public async Task ScopedKey_ToolsOutsideItsScope_AreHiddenAndRefusedLikeUnknownOnes()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden, "ci-bot");

        await using var client = await warden.ConnectAsync("/mcp/test", bearer: issued.Token);
        var tools = await client.ListToolsAsync();
        Assert.NotEmpty(tools);
        Assert.All(tools, t => Assert.StartsWith("slow_", t.Name, StringComparison.Ordinal));

        // A tool the server has but the key's scope leaves out answers exactly as a tool the server lacks.
        var outside = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo_arguments", new Dictionary<string, object?> { ["x"] = 1 }).AsTask());
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool", new Dictionary<string, object?> { ["x"] = 1 }).AsTask());
        Assert.Equal(unknown.ErrorCode, outside.ErrorCode);
        Assert.Equal(unknown.Message.Replace("no_such_tool", "X", StringComparison.Ordinal), outside.Message.Replace("echo_arguments", "X", StringComparison.Ordinal));

        var denied = Assert.Single(await AuditAsync(warden, "tool=echo_arguments"))!;
        Assert.Equal("deny", denied["decision"]!["effect"]!.GetValue<string>());
        Assert.Contains("key.scope.tools", denied["decision"]!["rule_ids"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task IdentityDatabaseUnreadable_KeyCallerGets503WithRetryAfter_NotAdmittedNorTold401()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden, "ci-bot"); // never used yet, so no answer about it is cached

        // The identity database is destroyed underneath Warden (disk error, a bad restore).
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(warden.DataDirectory, "identity.db*"))
        {
            await File.WriteAllBytesAsync(file, Enumerable.Repeat((byte)0x5a, 8192).ToArray());
        }

        using var response = await InitializeAsync(warden, issued.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("identity database is unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PersonKey_CallsTool_RecordNamesThePersonAsApiKey()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden, "bob-laptop", user: "bob");

        await using (var client = await warden.ConnectAsync("/mcp/test", bearer: issued.Token))
        {
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "mine", ["delayMs"] = 0 });
        }

        var call = Assert.Single(await AuditAsync(warden, "tool=slow_echo"))!;
        Assert.Equal("bob", call["user"]!["subject"]!.GetValue<string>());
        Assert.Equal("api_key", call["user"]!["auth_method"]!.GetValue<string>());
        Assert.Null(call["user"]!["on_behalf_of"]);
    }

    [Fact]
    public async Task WrongKey_Is401WithAClearReason_NeverEchoingTheKey_AndIsAudited()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden);
        var forged = issued.Token[..^6] + "AAAAAA";

        foreach (var (bearer, expected) in new[] { (forged, "not valid"), ("wdn_short", "malformed") })
        {
            using var response = await InitializeAsync(warden, bearer);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(expected, body, StringComparison.Ordinal);
            Assert.DoesNotContain(bearer, body, StringComparison.Ordinal);
            Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        var refused = await AuditAsync(warden, "method=auth/refused");
        Assert.Equal(2, refused.Count);
        var forgedRecord = Assert.Single(refused, r => r!["input"]!["arguments"]!["reason"]!.GetValue<string>() == "unknown")!;
        Assert.Equal(issued.Key.Id, forgedRecord["input"]!["arguments"]!["key_id"]!.GetValue<string>());
        Assert.Equal("unknown", forgedRecord["user"]!["subject"]!.GetValue<string>());
        Assert.Equal("deny", forgedRecord["decision"]!["effect"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", forgedRecord["input"]!["arguments"]!["client_address"]!.GetValue<string>());
    }

    [Fact]
    public async Task RevokedThroughTheApi_OpenSessionsNextRequest_IsRefusedAtOnce()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden);
        await using var client = await warden.ConnectAsync("/mcp/test", bearer: issued.Token);
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "before", ["delayMs"] = 0 });

        using var admin = warden.AdminHttp();
        using (var revoke = await admin.DeleteAsync($"{warden.BaseUrl}/api/v1/keys/{issued.Key.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "after", ["delayMs"] = 0 }).AsTask());
        using var response = await InitializeAsync(warden, issued.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains($"The API key {issued.Key.Id} was revoked", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await AuditAsync(warden, "tool=slow_echo"));
    }

    [Fact]
    public async Task RevokedByAnotherProcess_IsRefusedWithinASecondOrSo()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var issued = await CreateKeyAsync(warden);
        using (var ok = await InitializeAsync(warden, issued.Token))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // What `warden keys revoke` does: its own connection to identity.db, its own service and cache.
        using (var database = await SqliteIdentityDatabase.OpenAsync(WardenGatewayExtensions.IdentityDatabasePath(warden.DataDirectory)))
        using (var key = IdentityKey.Load(null, warden.DataDirectory))
        {
            Assert.NotNull(await new ApiKeyService(new SqliteApiKeyStore(database), key, TimeProvider.System).RevokeAsync(issued.Key.Id, "ops", default));
        }

        var revokedAt = DateTime.UtcNow;
        Polling.Until(() => InitializeAsync(warden, issued.Token).GetAwaiter().GetResult().StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30));
        Assert.True(DateTime.UtcNow - revokedAt < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ExpiredKey_IsRefusedSayingItExpired()
    {
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), time: clock);
        var issued = await CreateKeyAsync(warden, expires: clock.GetUtcNow().AddHours(1));
        using (var ok = await InitializeAsync(warden, issued.Token))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        clock.Advance(TimeSpan.FromHours(2));

        using var response = await InitializeAsync(warden, issued.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains($"The API key {issued.Key.Id} expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var refused = Assert.Single(await AuditAsync(warden, "method=auth/refused"))!;
        Assert.Equal("expired", refused["input"]!["arguments"]!["reason"]!.GetValue<string>());
        Assert.Equal("ci-bot", refused["user"]!["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task BruteForce_FromOneAddress_Gets429WithRetryAfter_EvenForAValidKey_AndIsAuditedOnce()
    {
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), time: clock);
        var issued = await CreateKeyAsync(warden);

        for (var i = 0; i < FailedAttemptLimiter.DefaultCapacity; i++)
        {
            using var refused = await InitializeAsync(warden, ApiKeyToken.Generate().Token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        foreach (var bearer in new[] { ApiKeyToken.Generate().Token, issued.Token })
        {
            using var throttled = await InitializeAsync(warden, bearer);
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After must say when to try again");
            Assert.Contains("Too many refused API keys", await throttled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The bucket refills with time: the valid key works again.
        clock.Advance(FailedAttemptLimiter.DefaultRefillEvery * 2);
        using var again = await InitializeAsync(warden, issued.Token);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // Ten refusals are on record, the last one saying the address is now rate limited; the 429s add none.
        var records = await AuditAsync(warden, "method=auth/refused");
        Assert.Equal(FailedAttemptLimiter.DefaultCapacity, records.Count);
        Assert.Single(records, r => r!["input"]!["arguments"]!["rate_limited"]?.GetValue<bool>() == true);
    }

    [Fact]
    public async Task ApiKeysRequired_CallerWithoutCredential_Is401_KeyHolderIsServed()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer() + "\nauth:\n  apiKeys: true\n");
        var issued = await CreateKeyAsync(warden);

        using var anonymous = await InitializeAsync(warden, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("resource_metadata=", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => warden.ConnectAsync("/mcp/test"));

        await using var client = await warden.ConnectAsync("/mcp/test", bearer: issued.Token);
        Assert.NotEmpty(await client.ListToolsAsync());
    }

    [Fact]
    public async Task DefaultMode_NoCredential_IsTheLocalUser_OtherBearerTokensAreNotTakenForKeys()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());

        using (var anonymous = await InitializeAsync(warden, null))
        {
            Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        }

        // A token that is not a Warden key is left to other authenticators (none here): the local user, as before.
        using var jwt = await InitializeAsync(warden, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
        Assert.Equal(HttpStatusCode.OK, jwt.StatusCode);
    }

    [Fact]
    public async Task Keys_AreNeverStoredOrLoggedInClear()
    {
        var logs = new CapturedLogs();
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), logs: logs);
        var issued = await CreateKeyAsync(warden);
        await using (var client = await warden.ConnectAsync("/mcp/test", bearer: issued.Token))
        {
            // The key itself passed as an argument (pasted by mistake) is redacted too.
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "my key is " + issued.Token, ["delayMs"] = 0 });
        }

        using (var wrong = await InitializeAsync(warden, issued.Token[..^4] + "zzzz"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var admin = warden.AdminHttp();
        (await admin.DeleteAsync($"{warden.BaseUrl}/api/v1/keys/{issued.Key.Id}")).Dispose();
        var listed = await admin.GetStringAsync($"{warden.BaseUrl}/api/v1/keys?all=true");
        var api = await admin.GetStringAsync($"{warden.BaseUrl}/api/v1/audit?limit=1000");
        await warden.DisposeAsync();

        var secrets = new[] { issued.Token, issued.Token[17..], warden.AdminKey, warden.AdminKey[17..] };
        foreach (var file in Directory.EnumerateFiles(warden.DataDirectory))
        {
            var bytes = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
            Assert.All(secrets, s => Assert.DoesNotContain(s, bytes, StringComparison.Ordinal));
        }

        Assert.All(secrets, s => Assert.DoesNotContain(s, logs.Text, StringComparison.Ordinal));
        Assert.All(secrets, s => Assert.DoesNotContain(s, listed, StringComparison.Ordinal));
        Assert.All(secrets, s => Assert.DoesNotContain(s, api, StringComparison.Ordinal));
        Assert.Contains("[REDACTED:warden-api-key]", api, StringComparison.Ordinal);
        Assert.Contains(issued.Key.Id, listed, StringComparison.Ordinal);
    }
}
