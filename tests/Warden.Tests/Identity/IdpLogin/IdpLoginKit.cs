using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity.IdpLogin;

/// <summary>Warden as authorization server whose users sign in at an upstream IdP (<c>auth.server.idp</c> named "corp").</summary>
internal static class IdpLoginKit
{
    public const string Provider = "corp";
    public const string ClientId = "warden";
    public const string ClientSecret = "warden-secret-0123456789";

    public static IdpOptions Idp(bool idTokenClaims = false) => new(
        [],
        [
            new IdpUser("carol", Name: "Carol Platform", Email: "carol@eng.example.com", Groups: ["eng-platform"], Password: "carol-pw"),
            new IdpUser("dave", Name: "Dave Cognito", Email: "dave@example.com", Password: "dave-pw",
                Claims: new System.Text.Json.Nodes.JsonObject { ["cognito:groups"] = new System.Text.Json.Nodes.JsonArray("eng-data") }),
        ],
        Registration: false,
        IdTokenClaims: idTokenClaims);

    public static string Config(string issuer, string extra = "") => $$"""
        servers:
          test:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            timeout: 30s
        auth:
          roleMapping:
            rules:
              - role: engineering
                groups: ["eng-*"]
            default: [viewer]
          server:
            idp:
              name: {{Provider}}
              displayName: Sign in with Corp
              issuer: {{issuer}}
              clientId: {{ClientId}}
              clientSecret: "${WARDEN_TEST_NO_SUCH_VARIABLE:-{{ClientSecret}}}"
              scopes: [openid, profile, email, groups]
        {{extra}}
        """;

    /// <summary>Registers Warden's callback at the IdP (Warden's port is known only once it listens).</summary>
    public static Task RegisterWardenAsync(OidcProviderProcess idp, WardenHost warden) =>
        idp.AddClientAsync(ClientId, ClientSecret, $"{warden.BaseUrl}/oauth/login/{Provider}/callback");
}
