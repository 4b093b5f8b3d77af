using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Warden.Tests.Identity.IdpLogin;

/// <summary>
/// A misbehaving IdP, for what a real one will not do: issue ID tokens with a wrong audience or nonce. Discovery,
/// keys, an authorization endpoint that answers at once with a code, and a token endpoint whose ID token the test
/// can tamper with. Everything else about IdP sign-in is tested against the real oidc-provider.
/// </summary>
internal sealed class FakeIdp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, string> _nonces = new();

    private FakeIdp(WebApplication app) => _app = app;

    public string Issuer { get; private set; } = "";

    /// <summary>Changes the ID token's claims before it is signed.</summary>
    public Action<JsonObject> Tamper { get; set; } = _ => { };

    public static async Task<FakeIdp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var idp = new FakeIdp(app);
        var key = new RsaSecurityKey(idp._rsa) { KeyId = "fake-1" };
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new JsonObject
        {
            ["issuer"] = idp.Issuer,
            ["authorization_endpoint"] = idp.Issuer + "/authorize",
            ["token_endpoint"] = idp.Issuer + "/token",
            ["jwks_uri"] = idp.Issuer + "/jwks",
            ["response_types_supported"] = new JsonArray("code"),
            ["subject_types_supported"] = new JsonArray("public"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        }));
        app.MapGet("/jwks", () =>
        {
            var p = idp._rsa.ExportParameters(false);
            return Results.Json(new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = key.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                }),
            });
        });
        app.MapGet("/authorize", (HttpContext http) =>
        {
            var q = http.Request.Query;
            var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
            idp._nonces[code] = q["nonce"].ToString();
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
        });
        app.MapPost("/token", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            if (!idp._nonces.TryRemove(form["code"].ToString(), out var nonce))
            {
                return Results.Json(new JsonObject { ["error"] = "invalid_grant" }, statusCode: 400);
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var claims = new JsonObject
            {
                ["iss"] = idp.Issuer, ["aud"] = IdpLoginKit.ClientId, ["sub"] = "erin", ["name"] = "Erin Fake",
                ["nonce"] = nonce, ["iat"] = now, ["exp"] = now + 300,
            };
            idp.Tamper(claims);
            var token = new JsonWebTokenHandler().CreateToken(claims.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
            return Results.Json(new JsonObject { ["access_token"] = "opaque", ["token_type"] = "Bearer", ["id_token"] = token });
        });
        await app.StartAsync();
        idp.Issuer = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return idp;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
