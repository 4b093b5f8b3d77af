using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>/api/v1/… and /metrics need the admin key or a key whose roles reach them; /healthz and /readyz's summary stay public.</summary>
public sealed class OperatorAccessTests
{
    private static HttpClient Client(string? bearer)
    {
        var http = new HttpClient();
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    [Theory]
    [InlineData("/api/v1/audit")]
    [InlineData("/api/v1/audit/stream")]
    [InlineData("/api/v1/audit/sessions/s1/timeline")]
    [InlineData("/api/v1/keys")]
    [InlineData("/api/v1/anything-added-later")]
    [InlineData("/metrics")]
    public async Task OperatorEndpoint_WithoutCredential_Is401SayingWhatToSend(string path)
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = Client(null);

        using var response = await http.GetAsync(warden.BaseUrl + path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("admin key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperatorEndpoint_WrongKey_Is401InvalidToken()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = Client(warden.AdminKey[..^3] + "abc");

        using var response = await http.GetAsync(warden.BaseUrl + "/api/v1/audit");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditorKey_ReadsTheAuditLog_ButNotKeysOrMetrics()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var auditor = await ApiKeyAuthenticationTests.CreateKeyAsync(warden, "carol-audit", user: "carol", roles: ["compliance"]);
        using var http = Client(auditor.Token);

        using (var audit = await http.GetAsync(warden.BaseUrl + "/api/v1/audit"))
        {
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        }

        foreach (var path in new[] { "/api/v1/keys", "/metrics" })
        {
            using var response = await http.GetAsync(warden.BaseUrl + path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("carol may not use", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MetricsKey_Scrapes_ButCannotReadTheAuditLog()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var scraper = await ApiKeyAuthenticationTests.CreateKeyAsync(warden, "prometheus", onBehalfOf: null, roles: ["metrics"]);
        using var http = Client(scraper.Token);

        using (var metrics = await http.GetAsync(warden.BaseUrl + "/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("warden_", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var audit = await http.GetAsync(warden.BaseUrl + "/api/v1/audit");
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
    }

    [Fact]
    public async Task AdminRoles_Configured_ReplaceTheDefault_TheAdminKeyStillWorks()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer() + "\nauth:\n  adminRoles: [platform-ops]\n  auditorRoles: []\n");
        var ops = await ApiKeyAuthenticationTests.CreateKeyAsync(warden, "dana-ops", user: "dana", roles: ["platform-ops"]);
        var oldAdmin = await ApiKeyAuthenticationTests.CreateKeyAsync(warden, "erin", user: "erin", roles: ["admin"]);

        using var opsHttp = Client(ops.Token);
        using var oldHttp = Client(oldAdmin.Token);
        using var adminHttp = warden.AdminHttp();
        Assert.Equal(HttpStatusCode.OK, (await opsHttp.GetAsync(warden.BaseUrl + "/api/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await oldHttp.GetAsync(warden.BaseUrl + "/api/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await adminHttp.GetAsync(warden.BaseUrl + "/api/v1/keys")).StatusCode);
    }

    [Fact]
    public async Task Healthz_IsPublic_ReadyzGivesAnonymousCallersTheSummaryOnly()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var anonymous = Client(null);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(warden.BaseUrl + "/healthz")).StatusCode);
        var summary = JsonNode.Parse(await anonymous.GetStringAsync(warden.BaseUrl + "/readyz"))!;
        Assert.NotNull(summary["status"]);
        Assert.NotNull(summary["audit"]!["writable"]);
        Assert.Null(summary["servers"]);

        using var admin = warden.AdminHttp();
        var full = JsonNode.Parse(await admin.GetStringAsync(warden.BaseUrl + "/readyz"))!;
        Assert.Equal("test", full["servers"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task KeysApi_CreateListRevoke_KeyIsShownOnce_AndBothChangesAreAuditRecords()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var admin = warden.AdminHttp();

        using var created = await admin.PostAsync(warden.BaseUrl + "/api/v1/keys", new StringContent(
            """{"name": "ci-bot", "roles": ["engineering"], "expires": "30d", "on_behalf_of": "alice", "servers": ["test"]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var (id, key) = (body["id"]!.GetValue<string>(), body["key"]!.GetValue<string>());
        Assert.Equal("service_account", body["kind"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await ApiKeyAuthenticationTests.InitializeAsync(warden, key)).StatusCode);

        var listed = await admin.GetStringAsync(warden.BaseUrl + "/api/v1/keys");
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key[17..], listed, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", listed, StringComparison.Ordinal);

        using (var revoked = await admin.DeleteAsync($"{warden.BaseUrl}/api/v1/keys/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiKeyAuthenticationTests.InitializeAsync(warden, key)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"{warden.BaseUrl}/api/v1/keys/zzzzzzzzzzzz")).StatusCode);

        var records = await ApiKeyAuthenticationTests.AuditAsync(warden, "source=auth");
        var create = Assert.Single(records, r => r!["input"]!["method"]!.GetValue<string>() == "auth/key/create" && r["input"]!["arguments"]!["id"]!.GetValue<string>() == id)!;
        var revoke = Assert.Single(records, r => r!["input"]!["method"]!.GetValue<string>() == "auth/key/revoke")!;
        Assert.Equal("admin_key", create["user"]!["auth_method"]!.GetValue<string>());
        Assert.Equal("alice", create["input"]!["arguments"]!["on_behalf_of"]!.GetValue<string>());
        Assert.Equal(id, revoke["input"]!["arguments"]!["id"]!.GetValue<string>());
        Assert.DoesNotContain(key[17..], records.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name": "ci-bot"}""", "at least one role")]
    [InlineData("""{"name": "ci bot", "roles": ["x"]}""", "name must be")]
    [InlineData("""{"name": "a", "roles": ["x"], "user": "bob", "on_behalf_of": "alice"}""", "not both")]
    [InlineData("""{"name": "a", "roles": ["x"], "expires": "soon"}""", "expires must be")]
    [InlineData("""[1]""", "must be a JSON object")]
    public async Task KeysApi_BadRequest_Is400SayingWhy(string json, string expected)
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var admin = warden.AdminHttp();

        using var response = await admin.PostAsync(warden.BaseUrl + "/api/v1/keys", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
