using System.Net;
using System.Text.RegularExpressions;
using Warden.Core.Audit;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Gateway.AuthorizationServer;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity.IdpLogin;

/// <summary>
/// Sign-in at the company IdP through Warden (<c>auth.server.idp</c>) with a real oidc-provider, and what Warden
/// refuses on the callback: a forged state, a replayed callback, the IdP's error answer, an ID token for someone else
/// or from another sign-in. Every refusal is a clear page and a login_failed audit record.
/// </summary>
public sealed partial class IdpLoginTests
{
    [Fact]
    public async Task Callback_WithForgedState_IsRefusedWithPageAndAuditRecord()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdpLoginKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(idp.Issuer));
        await IdpLoginKit.RegisterWardenAsync(idp, warden);
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var callback = await SignInAtIdpAsync(browser, await ToIdpAsync(browser), "carol", "carol-pw");

        using var response = await browser.GetAsync(StatePattern().Replace(callback, "state=forged"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("state does not match", await response.Content.ReadAsStringAsync());
        await AssertFailureRecordedAsync(warden, "state does not match");
    }

    [Fact]
    public async Task Callback_ReplayedWithItsCookies_IsRefusedAsReplay()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdpLoginKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(idp.Issuer));
        await IdpLoginKit.RegisterWardenAsync(idp, warden);
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var callback = await SignInAtIdpAsync(browser, await ToIdpAsync(browser), "carol", "carol-pw");
        var saved = browser.Cookies.GetCookies(new Uri(callback));

        using (var first = await browser.GetAsync(callback))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
            Assert.StartsWith("/oauth/authorize?", first.Headers.Location!.OriginalString);
        }

        // The attacker has the callback URL and the browser's cookies as they were before it was used.
        foreach (Cookie cookie in saved)
        {
            browser.Cookies.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain));
        }

        using var replay = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync());
        await AssertFailureRecordedAsync(warden, "already used");
        Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.Login);
    }

    [Fact]
    public async Task Callback_WithIdpErrorResponse_IsRefusedWithTheIdpsReason()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdpLoginKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(idp.Issuer));
        await IdpLoginKit.RegisterWardenAsync(idp, warden);
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var callback = await SignInAtIdpAsync(browser, await ToIdpAsync(browser), "carol", "carol-pw", deny: true);
        Assert.Contains("error=access_denied", callback);

        using var response = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("access_denied", page);
        Assert.Contains("cancelled the sign-in", page);
        await AssertFailureRecordedAsync(warden, "access_denied");
    }

    [Fact]
    public async Task CognitoAdapter_GroupsFromCognitoClaimInIdToken_MapToRolesWithoutResourceOrRegistrationAtIdp()
    {
        // Registration is off at this IdP and Warden asks without a resource indicator, as Cognito and Entra need.
        await using var idp = await OidcProviderProcess.StartAsync(IdpLoginKit.Idp(idTokenClaims: true));
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(idp.Issuer, "      adapter: cognito"));
        await IdpLoginKit.RegisterWardenAsync(idp, warden);
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var atIdp = await ToIdpAsync(browser);
        Assert.DoesNotContain("resource=", atIdp);
        Assert.Contains($"client_id={IdpLoginKit.ClientId}&", atIdp);
        Assert.Contains("code_challenge_method=S256", atIdp);

        var callback = await SignInAtIdpAsync(browser, atIdp, "dave", "dave-pw");
        using var response = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var login = Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.Login);
        Assert.Equal("dave", login.User.Subject);
        Assert.Equal(["engineering"], login.User.Roles);
        Assert.Equal("eng-data", login.Input.Arguments!["groups"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("aud", "someone-else", "not issued to Warden")]
    [InlineData("nonce", "from-another-sign-in", "nonce does not match")]
    [InlineData("iss", "http://127.0.0.1:1", "not issued by")]
    public async Task Callback_IdTokenWithWrongClaim_IsRefusedWithPageAndAuditRecord(string claim, string value, string reason)
    {
        await using var fake = await FakeIdp.StartAsync();
        fake.Tamper = claims => claims[claim] = value;
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(fake.Issuer, "      userInfo: false"));
        using var browser = new OAuthBrowser(warden.BaseUrl);
        var atIdp = await ToIdpAsync(browser);
        using var authorize = await browser.GetAsync(atIdp);
        var callback = authorize.Headers.Location!.AbsoluteUri;

        using var response = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        await AssertFailureRecordedAsync(warden, reason);
        Assert.DoesNotContain(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.Login);
    }

    [Fact]
    public async Task Callback_FromFakeIdpWithGoodIdToken_SignsIn()
    {
        await using var fake = await FakeIdp.StartAsync();
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(fake.Issuer, "      userInfo: false"));
        using var browser = new OAuthBrowser(warden.BaseUrl);
        using var authorize = await browser.GetAsync(await ToIdpAsync(browser));
        using var response = await browser.GetAsync(authorize.Headers.Location!.AbsoluteUri);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var login = Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.Login);
        Assert.Equal("erin", login.User.Subject);
        Assert.Equal(["viewer"], login.User.Roles);
    }

    // Warden's authorize endpoint -> its login page -> the IdP button; returns the IdP's authorization URL.
    private static async Task<string> ToIdpAsync(OAuthBrowser browser)
    {
        var clientId = await browser.RegisterPublicClientAsync();
        using var authorize = await browser.GetAsync(browser.AuthorizeUrl(clientId, OAuthBrowser.Pkce().Challenge));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        using var loginPage = await browser.GetAsync(authorize.Headers.Location!.OriginalString);
        var button = ButtonPattern().Match(await loginPage.Content.ReadAsStringAsync());
        Assert.True(button.Success, "Warden's login page has no button for the IdP");
        using var start = await browser.GetAsync(WebUtility.HtmlDecode(button.Groups[1].Value));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        return start.Headers.Location!.AbsoluteUri;
    }

    // At oidc-provider: its login form, then redirects until one leads back to Warden's callback (not followed).
    private static async Task<string> SignInAtIdpAsync(OAuthBrowser browser, string url, string user, string password, bool deny = false)
    {
        for (var step = 0; step < 12; step++)
        {
            if (url.StartsWith(browser.BaseUrl + "/oauth/login/", StringComparison.Ordinal))
            {
                return url;
            }

            using var response = await browser.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.OK && url.Contains("/interaction/", StringComparison.Ordinal))
            {
                var fields = deny ? new Dictionary<string, string> { ["deny"] = "1" } : new Dictionary<string, string> { ["login"] = user, ["password"] = password };
                using var posted = await browser.Http.PostAsync(url + "/login", new FormUrlEncodedContent(fields));
                url = new Uri(new Uri(url), posted.Headers.Location!).AbsoluteUri;
                continue;
            }

            Assert.True((int)response.StatusCode is >= 300 and < 400, $"The IdP answered {(int)response.StatusCode} at {url}: {await response.Content.ReadAsStringAsync()}");
            url = new Uri(new Uri(url), response.Headers.Location!).AbsoluteUri;
        }

        throw new InvalidOperationException("The IdP never sent the browser back to Warden.");
    }

    private static async Task AssertFailureRecordedAsync(WardenHost warden, string reason)
    {
        var failure = Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.LoginFailed);
        Assert.Equal(AuditEffect.Deny, failure.Decision.Effect);
        Assert.Contains(reason, failure.Decision.Reason);
        Assert.Equal(IdpLoginKit.Provider, failure.Input.Arguments!["provider"]!.GetValue<string>());
    }

    [GeneratedRegex("state=[^&]+")]
    private static partial Regex StatePattern();

    [GeneratedRegex("<a class=\"button\" href=\"([^\"]+)\">")]
    private static partial Regex ButtonPattern();
}
