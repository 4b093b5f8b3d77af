using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity;

/// <summary>What the identity tests share: the IdP's people and clients, Warden's auth config, raw requests, forged tokens.</summary>
internal static class IdentityKit
{
    public const string ServiceClient = "svc";
    public const string ServiceSecret = "svc-secret-0123456789";
    public const string EarlyClient = "early";
    public const string WebClient = "web-app";
    public const string WebSecret = "web-secret-0123456789";
    public const string RedirectUri = "http://127.0.0.1:1/callback";

    public static IdpOptions Idp(bool registration = true) => new(
        [
            new IdpClient(ServiceClient, ServiceSecret, TokenClaims: new JsonObject { ["groups"] = new JsonArray("svc-bots") }),
            new IdpClient(EarlyClient, ServiceSecret, TokenClaims: new JsonObject { ["nbf"] = 4102444800 }),
            new IdpClient(WebClient, WebSecret, RedirectUris: [RedirectUri]),
        ],
        [
            new IdpUser("alice", Name: "Alice Liddell", Email: "alice@eng.example.com", Groups: ["eng-platform", "all-staff"], Roles: ["warden-admin"]),
            new IdpUser("bob", Name: "Bob Auditor", Email: "bob@audit.example.com", Groups: ["all-staff"]),
        ],
        Registration: registration,
        ResourceScopes: "mcp other");

    /// <summary>The stdio test server behind a Warden that takes tokens from <paramref name="issuer"/>.</summary>
    public static string Config(string issuer, string extraOidc = "", string servers = "", string keyRefreshInterval = "1s") => $$"""
        servers:
          test:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            timeout: 20s
        {{servers}}
        auth:
          oidc:
            issuer: {{issuer}}
            requiredScopes: [mcp]
            keyRefreshInterval: {{keyRefreshInterval}}
        {{extraOidc}}
          roleMapping:
            rules:
              - role: engineering
                groups: ["eng-*"]
              - role: admin
                roles: [warden-admin]
              - role: compliance
                emailDomains: [audit.example.com]
            default: [viewer]
        """;

    /// <summary>An initialize request, as a client's first POST; with <paramref name="token"/> as bearer when given.</summary>
    public static async Task<HttpResponseMessage> InitializeAsync(string url, string? token, string? authorization = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"identity-test","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>The parameters of a <c>WWW-Authenticate: Bearer …</c> challenge.</summary>
    public static Dictionary<string, string> Challenge(HttpResponseMessage response)
    {
        var header = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", header.Scheme);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(header.Parameter ?? "", "([a-z_]+)=\"([^\"]*)\""))
        {
            parameters[m.Groups[1].Value] = m.Groups[2].Value;
        }

        return parameters;
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }

    /// <summary>A token's payload as JSON (no validation).</summary>
    public static JsonObject Payload(string token) => JsonNode.Parse(FromBase64Url(token.Split('.')[1]))!.AsObject();

    /// <summary>A token's header as JSON (no validation).</summary>
    public static JsonObject Header(string token) => JsonNode.Parse(FromBase64Url(token.Split('.')[0]))!.AsObject();

    public static string Encode(JsonObject json) => Base64Url(Encoding.UTF8.GetBytes(json.ToJsonString()));

    /// <summary>A token signed with HMAC-SHA256 whose secret is the IdP's public key (PEM): the classic key-confusion attack.</summary>
    public static string HmacWithPublicKey(string validToken, JsonObject jwk)
    {
        using var rsa = RSA.Create(new RSAParameters { Modulus = FromBase64Url(jwk["n"]!.GetValue<string>()), Exponent = FromBase64Url(jwk["e"]!.GetValue<string>()) });
        var pem = rsa.ExportSubjectPublicKeyInfoPem();
        var header = Encode(new JsonObject { ["alg"] = "HS256", ["typ"] = "at+jwt", ["kid"] = jwk["kid"]!.GetValue<string>() });
        var input = header + "." + validToken.Split('.')[1];
        return input + "." + Base64Url(HMACSHA256.HashData(Encoding.ASCII.GetBytes(pem), Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>A token signed with a key the IdP never published, under a key id it does not know, otherwise well-formed.</summary>
    public static string SignedWithForeignKey(JsonObject payload)
    {
        using var rsa = RSA.Create(2048);
        var header = Encode(new JsonObject { ["alg"] = "RS256", ["typ"] = "at+jwt", ["kid"] = "attacker-key" });
        var input = header + "." + Encode(payload);
        return input + "." + Base64Url(rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Every audit record, the identity fields opened (they are sealed per subject at rest).</summary>
    public static async Task<List<AuditRecord>> RecordsAsync(WardenHost warden)
    {
        var store = warden.Services.GetRequiredService<IAuditStore>();
        var sealer = warden.Services.GetRequiredService<AuditRecordSealer>();
        var records = new List<AuditRecord>();
        await foreach (var record in store.ReadAsync(1, CancellationToken.None))
        {
            records.Add(await sealer.OpenAsync(record, CancellationToken.None));
        }

        return records;
    }
}
