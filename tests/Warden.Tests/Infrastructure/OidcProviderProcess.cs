using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Tests.Interop;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// The company IdP of the identity tests: a real <c>oidc-provider</c> (tests/idp/idp.mjs) run by the pinned node on
/// 127.0.0.1. It hands out access tokens through client credentials and through authorization code + PKCE for a named
/// user (signed in without a browser), rotates its signing keys on demand, and can be stopped to play an IdP outage.
/// </summary>
internal sealed class OidcProviderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private OidcProviderProcess(Process process, string issuer, StringBuilder stderr)
    {
        _process = process;
        Issuer = issuer;
        _stderr = stderr;
    }

    /// <summary>The issuer identifier, e.g. http://127.0.0.1:PORT (also the base of every endpoint).</summary>
    public string Issuer { get; }

    /// <summary>What the IdP wrote to stderr so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static async Task<OidcProviderProcess> StartAsync(IdpOptions options)
    {
        var script = Path.Combine(TestPaths.RepoRoot, "tests", "idp", "idp.mjs");
        var start = NodeProcess.Start(script, [options.ToJson().ToJsonString()]);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for the IdP.");
        process.StandardInput.Close();
        var stderr = new StringBuilder();
        _ = DrainAsync(process.StandardError, stderr);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("ISSUER ", StringComparison.Ordinal))
                {
                    _ = DrainAsync(process.StandardOutput, stderr);
                    return new OidcProviderProcess(process, line["ISSUER ".Length..].Trim(), stderr);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        NodeProcess.Kill(process);
        await process.WaitForExitAsync();
        process.Dispose();
        string log;
        lock (stderr)
        {
            log = stderr.ToString();
        }

        throw new InvalidOperationException($"The IdP (tests/idp/idp.mjs) did not print its issuer. stderr:\n{log}");
    }

    /// <summary>An access token for a confidential client itself (client credentials), bound to <paramref name="resource"/>.</summary>
    public async Task<TokenSet> ClientCredentialsAsync(string clientId, string clientSecret, string resource, string scope = "mcp")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["resource"] = resource, ["scope"] = scope }),
        };
        request.Headers.Authorization = Basic(clientId, clientSecret);
        return await TokenAsync(request);
    }

    /// <summary>
    /// Signs <paramref name="user"/> in at the IdP and runs authorization code + PKCE (S256) for <paramref name="clientId"/>
    /// without a browser: the authorization request, the login form, automatic consent, the redirect with the code, and the
    /// token request, all bound to <paramref name="resource"/> (RFC 8707).
    /// </summary>
    public async Task<TokenSet> SignInAsync(string clientId, string redirectUri, string user, string resource, string scope = "mcp", string? password = null, string? clientSecret = null)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(12));
        var query = new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["resource"] = resource,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["state"] = state,
        };
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { Timeout = TimeSpan.FromSeconds(30) };
        var code = await AuthorizeAsync(browser, Issuer + "/auth?" + Query(query), redirectUri, state, user, password);

        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token");
        var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirectUri, ["code_verifier"] = verifier };
        if (clientSecret is null)
        {
            form["client_id"] = clientId;
        }
        else
        {
            request.Headers.Authorization = Basic(clientId, clientSecret);
        }

        request.Content = new FormUrlEncodedContent(form);
        return await TokenAsync(request);
    }

    /// <summary>Adds a new signing key and makes it current; returns its key id. Earlier keys stay published.</summary>
    public async Task<string> RotateKeysAsync()
    {
        using var response = await _http.PostAsync(Issuer + "/__admin/rotate", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Key rotation failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["kid"]!.GetValue<string>();
    }

    /// <summary>
    /// Registers a client after the IdP started (a relying party whose redirect URI is known only once it listens);
    /// a client with a secret authenticates with client_secret_basic, one without is public.
    /// </summary>
    public async Task AddClientAsync(string clientId, string? secret, params string[] redirectUris)
    {
        var client = new JsonObject
        {
            ["client_id"] = clientId,
            ["redirect_uris"] = new JsonArray([.. redirectUris.Select(u => JsonValue.Create(u))]),
            ["grant_types"] = new JsonArray("authorization_code"),
            ["response_types"] = new JsonArray("code"),
        };
        if (secret is not null)
        {
            client["client_secret"] = secret;
        }

        using var response = await _http.PostAsync(Issuer + "/__admin/clients", new StringContent(client.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"Adding client {clientId} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{Log}");
    }

    /// <summary>The key id tokens are signed with now.</summary>
    public async Task<string> CurrentKeyIdAsync() =>
        JsonNode.Parse(await _http.GetStringAsync(Issuer + "/__admin/keys"))!["current"]!.GetValue<string>();

    /// <summary>The IdP's published signing keys (its JWKS document).</summary>
    public async Task<JsonObject> JwksAsync() => JsonNode.Parse(await _http.GetStringAsync(Issuer + "/jwks"))!.AsObject();

    /// <summary>Stops the IdP (an outage); the object stays usable for its <see cref="Issuer"/>.</summary>
    public async Task StopAsync()
    {
        NodeProcess.Kill(_process);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        _http.Dispose();
    }

    private async Task<string> AuthorizeAsync(HttpClient browser, string url, string redirectUri, string state, string user, string? password)
    {
        var trail = new List<string>();
        for (var step = 0; step < 12; step++)
        {
            trail.Add(url);
            using var response = await browser.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.OK && url.Contains("/interaction/", StringComparison.Ordinal))
            {
                // The login form: post the user's name (and password) as a person would.
                var fields = new Dictionary<string, string> { ["login"] = user, ["password"] = password ?? "" };
                using var login = await browser.PostAsync(url + "/login", new FormUrlEncodedContent(fields));
                if (login.StatusCode != HttpStatusCode.SeeOther)
                {
                    throw new InvalidOperationException($"Signing in as '{user}' failed: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
                }

                url = Absolute(login.Headers.Location!);
                continue;
            }

            if ((int)response.StatusCode is < 300 or >= 400 || response.Headers.Location is not { } location)
            {
                throw new InvalidOperationException($"The authorization flow stopped at {url} with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\ntrail: {string.Join(" -> ", trail)}\nIdP log:\n{Log}");
            }

            url = Absolute(location);
            if (url.StartsWith(redirectUri, StringComparison.Ordinal))
            {
                var parameters = ParseQuery(new Uri(url).Query);
                if (parameters.TryGetValue("error", out var error))
                {
                    throw new InvalidOperationException($"The IdP refused the authorization: {error} {parameters.GetValueOrDefault("error_description")}");
                }

                Assert.Equal(state, parameters.GetValueOrDefault("state"));
                return parameters["code"];
            }
        }

        throw new InvalidOperationException($"The authorization flow did not reach {redirectUri}: {string.Join(" -> ", trail)}");
    }

    private async Task<TokenSet> TokenAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The IdP's token endpoint answered {(int)response.StatusCode}: {body}\nIdP log:\n{Log}");
        }

        var json = JsonNode.Parse(body)!.AsObject();
        return new TokenSet(json["access_token"]!.GetValue<string>(), json["refresh_token"]?.GetValue<string>(), json["scope"]?.GetValue<string>(), json["expires_in"]?.GetValue<int>());
    }

    private string Absolute(Uri location) => location.IsAbsoluteUri ? location.AbsoluteUri : new Uri(new Uri(Issuer), location).AbsoluteUri;

    private static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    private static string Query(Dictionary<string, string> values) => string.Join('&', values.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    private static Dictionary<string, string> ParseQuery(string query) => query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task DrainAsync(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
    }
}
