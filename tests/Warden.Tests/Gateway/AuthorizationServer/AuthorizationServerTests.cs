using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Gateway;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway.AuthorizationServer;

/// <summary>Warden as OAuth 2.1 authorization server: what it refuses, and that it says why.</summary>
public sealed class AuthorizationServerTests
{
    [Fact]
    public async Task Metadata_AuthorizationServer_AdvertisesS256RegistrationAndMetadataDocuments()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);

        var metadata = JsonNode.Parse(await browser.Http.GetStringAsync("/.well-known/oauth-authorization-server"))!;

        Assert.Equal(warden.BaseUrl + "/", metadata["issuer"]!.GetValue<string>());
        Assert.Equal(["S256"], metadata["code_challenge_methods_supported"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(warden.BaseUrl + "/oauth/register", metadata["registration_endpoint"]!.GetValue<string>());
        Assert.True(metadata["client_id_metadata_document_supported"]!.GetValue<bool>());
        var resource = JsonNode.Parse(await browser.Http.GetStringAsync("/.well-known/oauth-protected-resource/mcp/test"))!;
        Assert.Equal(warden.BaseUrl + "/mcp/test", resource["resource"]!.GetValue<string>());
    }

    [Fact]
    public async Task AccessToken_LocalUser_CallerHasConfiguredRolesScopesAndClient()
    {
        var capture = new CallerCapture();
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server(), services: s => s.AddSingleton<IDecisionPoint>(capture));
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var (clientId, tokens) = await browser.SignInAsync();

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(warden.BaseUrl + "/mcp/test"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + tokens["access_token"]!.GetValue<string>() },
        }), new McpClientOptions { ProtocolVersion = "2025-11-25" });

        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "who", ["delayMs"] = 1 });

        var caller = capture.Callers.Last();
        Assert.Equal(OAuthConfigs.User, caller.Subject);
        Assert.Equal("Alice Example", caller.DisplayName);
        Assert.Equal(AuthMethods.OAuth, caller.AuthMethod);
        Assert.Equal(["engineering", "analyst"], caller.Roles);
        Assert.Equal("alice@example.com", caller.Email);
        Assert.Contains("mcp", caller.Scopes);
        Assert.Equal(clientId, caller.CredentialId);
        Assert.InRange(tokens["expires_in"]!.GetValue<int>(), 500, 600);
        Assert.Null(OwnerOnlyFile.SharedMode(Path.Combine(warden.DataDirectory, "oauth.db")));
    }

    [Fact]
    public async Task Authorize_NoCodeChallenge_InvalidRequest()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();

        var (status, page) = await RefusedAsync(browser, browser.AuthorizeUrl(clientId, challenge: null, method: null));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("error:invalid_request", page, StringComparison.Ordinal);
        Assert.Contains("'code_challenge' parameter is missing", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_PlainCodeChallenge_InvalidRequest()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (verifier, _) = OAuthBrowser.Pkce();

        var (status, page) = await RefusedAsync(browser, browser.AuthorizeUrl(clientId, verifier, method: "plain"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("error:invalid_request", page, StringComparison.Ordinal);
        Assert.Contains("'code_challenge_method' is not supported", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WrongCodeVerifier_InvalidGrantAndAudited()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();
        var back = await browser.AuthorizeAsync(browser.AuthorizeUrl(clientId, challenge), OAuthConfigs.User, OAuthConfigs.Password);

        var (status, body) = await browser.ExchangeAsync(clientId, OAuthBrowser.Query(back, "code")!, OAuthBrowser.Pkce().Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body["error"]!.GetValue<string>());
        var refused = (await AuthRecords.ReadAsync(warden)).Last(r => r.Input.Method == AuthEvents.TokenIssued);
        Assert.Equal(AuditEffect.Deny, refused.Decision.Effect);
        Assert.StartsWith("invalid_grant", refused.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_UnregisteredRedirectUri_RefusedWithoutRedirect()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();

        using var response = await browser.GetAsync(browser.AuthorizeUrl(clientId, challenge, redirectUri: "http://127.0.0.1:9999/elsewhere"));

        // Never sent to an address the client did not register: the error is shown, not redirected.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("redirect_uri", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_UsedRefreshTokenPresentedAgain_InvalidGrant()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var (clientId, tokens) = await browser.SignInAsync();
        var refresh = tokens["refresh_token"]!.GetValue<string>();

        var (first, rotated) = await browser.TokenAsync(("grant_type", "refresh_token"), ("client_id", clientId), ("refresh_token", refresh));
        var (second, reused) = await browser.TokenAsync(("grant_type", "refresh_token"), ("client_id", clientId), ("refresh_token", refresh));

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.NotEqual(refresh, rotated["refresh_token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, second);
        Assert.Equal("invalid_grant", reused["error"]!.GetValue<string>());

        // The replay revoked the family: the rotated refresh token is dead too.
        var (third, _) = await browser.TokenAsync(("grant_type", "refresh_token"), ("client_id", clientId), ("refresh_token", rotated["refresh_token"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.BadRequest, third);
    }

    [Fact]
    public async Task Authorize_ResourceOfAnotherServer_InvalidTarget()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();

        var (status, page) = await RefusedAsync(browser, browser.AuthorizeUrl(clientId, challenge, resource: "https://api.example.com/mcp"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("error:invalid_target", page, StringComparison.Ordinal);
        Assert.Contains($"ask for {warden.BaseUrl}/mcp", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessToken_ForOneServerUsedAtAggregate_Refused401()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var (_, tokens) = await browser.SignInAsync(resource: warden.BaseUrl + "/mcp/test");
        var token = tokens["access_token"]!.GetValue<string>();

        var (here, _) = await browser.InitializeAsync("/mcp/test", token);
        var (elsewhere, challenge) = await browser.InitializeAsync("/mcp", token);

        Assert.Equal(HttpStatusCode.OK, here);
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere);
        Assert.Contains("invalid_token", challenge, StringComparison.Ordinal);
        Assert.Contains(AuthEvents.CredentialRefused, await AuthRecords.MethodsAsync(warden));
    }

    [Fact]
    public async Task AccessToken_TamperedOrForeign_RefusedOrLeftToOthers()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var (_, tokens) = await browser.SignInAsync();
        var token = tokens["access_token"]!.GetValue<string>();
        var parts = token.Split('.');
        parts[3] = new string([.. parts[3].Reverse()]);

        var (tampered, _) = await browser.InitializeAsync("/mcp/test", string.Join('.', parts));
        var (foreign, challenge) = await browser.InitializeAsync("/mcp/test", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");

        Assert.Equal(HttpStatusCode.Unauthorized, tampered);
        Assert.Equal(HttpStatusCode.Unauthorized, foreign);
        Assert.Contains("resource_metadata=", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongPasswordRepeated_LockedAndAudited()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();
        var loginUrl = "/oauth/login?returnUrl=" + Uri.EscapeDataString(browser.AuthorizeUrl(clientId, challenge));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await browser.LoginAsync(loginUrl, OAuthConfigs.User, "not the password");
            statuses.Add(wrong.StatusCode);
        }

        using var locked = await browser.LoginAsync(loginUrl, OAuthConfigs.User, OAuthConfigs.Password);
        var page = await locked.Content.ReadAsStringAsync();

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Contains("Too many failed sign-ins", page, StringComparison.Ordinal);
        Assert.NotNull(locked.Headers.RetryAfter);
        var failures = (await AuthRecords.ReadAsync(warden)).Where(r => r.Input.Method == AuthEvents.LoginFailed).ToList();
        Assert.Equal(4, failures.Count);
        Assert.All(failures, r => Assert.Equal(AuditEffect.Deny, r.Decision.Effect));
        Assert.Equal("sign-in locked after repeated failures", failures[^1].Decision.Reason);
        Assert.DoesNotContain(await AuthRecords.MethodsAsync(warden), m => m == AuthEvents.Login);
        Assert.DoesNotContain(failures, r => r.Input.Arguments?.ToJsonString().Contains("not the password", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Login_WithTheAdminKey_SignsInAsAdmin_AWrongOrPersonKeyIsRefusedAndAudited()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();
        var loginUrl = "/oauth/login?returnUrl=" + Uri.EscapeDataString(browser.AuthorizeUrl(clientId, challenge));
        var personKey = (await ApiKeyAuthenticationTests.CreateKeyAsync(warden, "alice-laptop", user: "alice")).Token;

        using var wrong = await browser.LoginWithAdminKeyAsync(loginUrl, personKey);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("not the admin key", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var admin = await browser.LoginWithAdminKeyAsync(loginUrl, warden.AdminKey);
        Assert.True(admin.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, $"{(int)admin.StatusCode}");

        var records = await AuthRecords.ReadAsync(warden);
        Assert.Equal(AuthMethods.AdminKey, Assert.Single(records, r => r.Input.Method == AuthEvents.Login).User.AuthMethod);
        using (var api = warden.AdminHttp())
        {
            // Opened through the audit API (records name subjects by pseudonym), the sign-in names the admin.
            var opened = JsonNode.Parse(await api.GetStringAsync(warden.BaseUrl + "/api/v1/audit?method=" + AuthEvents.Login))!["records"]!.AsArray();
            Assert.Equal("admin", Assert.Single(opened)!["user"]!["subject"]!.GetValue<string>());
        }

        Assert.Single(records, r => r.Input.Method == AuthEvents.LoginFailed && r.Decision.Reason == "wrong admin key");
        Assert.DoesNotContain(records, r => r.Input.Arguments?.ToJsonString().Contains(warden.AdminKey, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Authorize_SignedInWithoutConsent_ShowsConsentAndDenialRedirectsAccessDenied()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();
        var url = browser.AuthorizeUrl(clientId, challenge);

        using (var login = await browser.LoginAsync("/oauth/login?returnUrl=" + Uri.EscapeDataString(url), OAuthConfigs.User, OAuthConfigs.Password))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        }

        using var consent = await browser.GetAsync(url);
        var page = await consent.Content.ReadAsStringAsync();
        var back = await browser.AuthorizeAsync(url, OAuthConfigs.User, OAuthConfigs.Password, consent: "deny");

        Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        Assert.Contains("Allow access?", page, StringComparison.Ordinal);
        Assert.Contains("test client", page, StringComparison.Ordinal);
        Assert.Equal("access_denied", OAuthBrowser.Query(back, "error"));
        var decision = (await AuthRecords.ReadAsync(warden)).Single(r => r.Input.Method == AuthEvents.Consent);
        Assert.Equal(AuditEffect.Deny, decision.Decision.Effect);
    }

    [Fact]
    public async Task Consent_PostedWithoutAntiforgeryToken_Refused()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var clientId = await browser.RegisterPublicClientAsync();
        var (_, challenge) = OAuthBrowser.Pkce();
        var url = browser.AuthorizeUrl(clientId, challenge);
        using (await browser.LoginAsync("/oauth/login?returnUrl=" + Uri.EscapeDataString(url), OAuthConfigs.User, OAuthConfigs.Password))
        {
        }

        // A cross-site form post: the right parameters and the victim's cookies, but no anti-forgery token.
        var fields = url[(url.IndexOf('?') + 1)..].Split('&').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], Uri.UnescapeDataString(p[1]))).Append(new("consent", "approve"));
        using var response = await browser.Http.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain(await AuthRecords.MethodsAsync(warden), m => m == AuthEvents.Consent);
    }

    [Theory]
    [InlineData("""{"redirect_uris":["http://app.example.com/cb"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri", "plain http on a non-loopback host")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb#frag"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri", "must not have a fragment")]
    [InlineData("""{"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri", "redirect_uris is required")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1:1/cb"],"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}""", "invalid_client_metadata", "'client_credentials' is not offered")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1:1/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", "invalid_client_metadata", "token_endpoint_auth_method must be one of")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1:1/cb"],"scope":"admin","token_endpoint_auth_method":"none"}""", "invalid_client_metadata", "scope 'admin' is not offered")]
    [InlineData("""[1,2]""", "invalid_client_metadata", "must be a JSON object")]
    public async Task Register_InvalidMetadata_ClearError(string body, string error, string description)
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);

        using var response = await browser.Http.PostAsync("/oauth/register", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, answer["error"]!.GetValue<string>());
        Assert.Contains(description, answer["error_description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_ConfidentialClient_SecretShownOnceAndRecorded()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);

        var (status, body) = await browser.RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("https://app.example.com/cb"), ["client_name"] = "web app" });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("client_secret_basic", body["token_endpoint_auth_method"]!.GetValue<string>());
        var secret = body["client_secret"]!.GetValue<string>();
        var record = (await AuthRecords.ReadAsync(warden)).Single(r => r.Input.Method == AuthEvents.ClientRegistered);
        Assert.Equal(AuditEffect.Allow, record.Decision.Effect);
        Assert.DoesNotContain(secret, record.Input.Arguments!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_RedirectHostNotAllowed_ClearError()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server("    allowedRedirectHosts: [\"*.corp.example\"]"));
        using var browser = new OAuthBrowser(warden.BaseUrl);

        var (status, body) = await browser.RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("https://evil.example/cb"), ["token_endpoint_auth_method"] = "none" });
        var (allowed, _) = await browser.RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("https://tools.corp.example/cb"), ["token_endpoint_auth_method"] = "none" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("auth.server.allowedRedirectHosts", body["error_description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, allowed);
    }

    [Fact]
    public async Task Authorize_MetadataDocumentOnLoopback_RefusedBySsrfGuard()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var (_, challenge) = OAuthBrowser.Pkce();

        var (status, page) = await RefusedAsync(browser, browser.AuthorizeUrl("https://127.0.0.1:1/client.json", challenge));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("error:invalid_client", page, StringComparison.Ordinal);
        Assert.Contains("loopback, private or link-local", page, StringComparison.Ordinal);
        var record = (await AuthRecords.ReadAsync(warden)).Single(r => r.Input.Method == AuthEvents.ClientRegistered);
        Assert.Equal(AuditEffect.Deny, record.Decision.Effect);
    }

    // Errors found before the redirect URI is known good are shown to the user, never redirected (no code either way).
    private static async Task<(HttpStatusCode Status, string Page)> RefusedAsync(OAuthBrowser browser, string url)
    {
        using var response = await browser.GetAsync(url);
        Assert.Null(response.Headers.Location);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
