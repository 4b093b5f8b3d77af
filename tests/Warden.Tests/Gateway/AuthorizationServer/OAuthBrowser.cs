using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Warden.Tests.Gateway.AuthorizationServer;

/// <summary>
/// A headless browser and OAuth client for the authorization-server tests: registers a client, follows the
/// authorization redirects by hand (keeping cookies), fills in the login and consent forms, and calls the token endpoint.
/// </summary>
internal sealed partial class OAuthBrowser : IDisposable
{
    public const string RedirectUri = "http://127.0.0.1:53682/callback";
    private readonly HttpClient _http;

    public OAuthBrowser(string baseUrl)
    {
        BaseUrl = baseUrl;
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies, UseCookies = true }) { BaseAddress = new Uri(baseUrl) };
    }

    public string BaseUrl { get; }

    public HttpClient Http => _http;

    /// <summary>The browser's cookie jar (one for every host and port on 127.0.0.1, as in a browser).</summary>
    public CookieContainer Cookies { get; } = new();

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public async Task<(HttpStatusCode Status, JsonObject Body)> RegisterAsync(JsonObject metadata)
    {
        using var response = await _http.PostAsJsonAsync("/oauth/register", metadata);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    public async Task<string> RegisterPublicClientAsync()
    {
        var (status, body) = await RegisterAsync(new JsonObject
        {
            ["client_name"] = "test client",
            ["redirect_uris"] = new JsonArray(RedirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["token_endpoint_auth_method"] = "none",
        });
        Assert.True(status == HttpStatusCode.Created, body.ToJsonString());
        return body["client_id"]!.GetValue<string>();
    }

    public string AuthorizeUrl(string clientId, string? challenge, string? method = "S256", string? resource = null, string redirectUri = RedirectUri)
    {
        var query = new List<string> { "response_type=code", $"client_id={Uri.EscapeDataString(clientId)}", $"redirect_uri={Uri.EscapeDataString(redirectUri)}", "state=xyz", "scope=mcp" };
        if (challenge is not null)
        {
            query.Add($"code_challenge={challenge}");
        }

        if (method is not null)
        {
            query.Add($"code_challenge_method={method}");
        }

        query.Add($"resource={Uri.EscapeDataString(resource ?? BaseUrl + "/mcp/test")}");
        return "/oauth/authorize?" + string.Join('&', query);
    }

    /// <summary>GET without following redirects.</summary>
    public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(url);

    /// <summary>Posts the login form the page at <paramref name="loginUrl"/> shows.</summary>
    public async Task<HttpResponseMessage> LoginAsync(string loginUrl, string user, string password)
    {
        var page = await (await _http.GetAsync(loginUrl)).Content.ReadAsStringAsync();
        var fields = HiddenFields(page);
        fields.Add(new("username", user));
        fields.Add(new("password", password));
        return await _http.PostAsync("/oauth/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>Posts the login form with the admin key instead of a user name and password.</summary>
    public async Task<HttpResponseMessage> LoginWithAdminKeyAsync(string loginUrl, string adminKey)
    {
        var page = await (await _http.GetAsync(loginUrl)).Content.ReadAsStringAsync();
        Assert.Contains("admin_key", page, StringComparison.Ordinal);
        var fields = HiddenFields(page);
        fields.Add(new("admin_key", adminKey));
        return await _http.PostAsync("/oauth/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>Follows the flow from <paramref name="authorizeUrl"/> through login and consent; returns the redirect back to the client.</summary>
    public async Task<Uri> AuthorizeAsync(string authorizeUrl, string user, string password, string consent = "approve")
    {
        var response = await _http.GetAsync(authorizeUrl);
        for (var hops = 0; hops < 10; hops++)
        {
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
            {
                var location = new Uri(new Uri(BaseUrl), response.Headers.Location!);
                if (location.AbsoluteUri.StartsWith(RedirectUri, StringComparison.Ordinal))
                {
                    return location;
                }

                response = location.AbsolutePath == "/oauth/login"
                    ? await LoginAsync(location.PathAndQuery, user, password)
                    : await _http.GetAsync(location.PathAndQuery);
                continue;
            }

            var page = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK && page.Contains("name=\"consent\"", StringComparison.Ordinal), $"{(int)response.StatusCode}: {page}");
            var fields = HiddenFields(page);
            fields.Add(new("consent", consent));
            response = await _http.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields));
        }

        throw new InvalidOperationException("The authorization flow did not come back to the client.");
    }

    public static string? Query(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == name).Select(p => Uri.UnescapeDataString(p[1].Replace('+', ' '))).FirstOrDefault();

    public async Task<(HttpStatusCode Status, JsonObject Body)> TokenAsync(params (string Name, string Value)[] form)
    {
        using var response = await _http.PostAsync("/oauth/token", new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    public Task<(HttpStatusCode Status, JsonObject Body)> ExchangeAsync(string clientId, string code, string verifier, string redirectUri = RedirectUri) =>
        TokenAsync(("grant_type", "authorization_code"), ("client_id", clientId), ("code", code), ("code_verifier", verifier), ("redirect_uri", redirectUri));

    /// <summary>Registers a client and runs the whole flow; returns the client id and the token response.</summary>
    public async Task<(string ClientId, JsonObject Tokens)> SignInAsync(string? resource = null)
    {
        var clientId = await RegisterPublicClientAsync();
        var (verifier, challenge) = Pkce();
        var back = await AuthorizeAsync(AuthorizeUrl(clientId, challenge, resource: resource), OAuthConfigs.User, OAuthConfigs.Password);
        var code = Query(back, "code") ?? throw new InvalidOperationException($"No code in {back}");
        var (status, tokens) = await ExchangeAsync(clientId, code, verifier);
        Assert.True(status == HttpStatusCode.OK, tokens.ToJsonString());
        return (clientId, tokens);
    }

    /// <summary>An MCP initialize with a bearer token; returns the status and WWW-Authenticate.</summary>
    public async Task<(HttpStatusCode Status, string? Challenge)> InitializeAsync(string path, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", accessToken);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString());
    }

    public void Dispose() => _http.Dispose();

    private static List<KeyValuePair<string, string>> HiddenFields(string page)
    {
        var form = page[page.IndexOf("<form", StringComparison.Ordinal)..page.IndexOf("</form>", StringComparison.Ordinal)];
        return [.. HiddenPattern().Matches(form).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)))];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenPattern();
}
