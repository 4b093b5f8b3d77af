using System.Text.Json.Nodes;

namespace Warden.Tests.Infrastructure;

/// <summary>How the test IdP is set up (see the top of tests/idp/idp.mjs).</summary>
internal sealed record IdpOptions(IReadOnlyList<IdpClient> Clients, IReadOnlyList<IdpUser> Users, bool Registration = true, string ResourceScopes = "mcp", int AccessTokenTtl = 600, bool IdTokenClaims = false)
{
    public JsonObject ToJson()
    {
        var clients = new JsonArray();
        foreach (var client in Clients)
        {
            var json = new JsonObject { ["client_id"] = client.Id };
            if (client.Secret is not null)
            {
                json["client_secret"] = client.Secret;
            }

            if (client.RedirectUris is not null)
            {
                json["redirect_uris"] = Strings(client.RedirectUris);
                json["grant_types"] = new JsonArray("authorization_code", "refresh_token", "client_credentials");
            }

            if (client.TokenClaims is not null)
            {
                json["tokenClaims"] = client.TokenClaims.DeepClone();
            }

            clients.Add(json);
        }

        var users = new JsonArray();
        foreach (var user in Users)
        {
            var json = new JsonObject { ["sub"] = user.Sub, ["name"] = user.Name, ["email"] = user.Email, ["password"] = user.Password };
            if (user.Groups is not null)
            {
                json["groups"] = Strings(user.Groups);
            }

            if (user.Roles is not null)
            {
                json["roles"] = Strings(user.Roles);
            }

            if (user.Claims is not null)
            {
                json["claims"] = user.Claims.DeepClone();
            }

            foreach (var empty in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                json.Remove(empty);
            }

            users.Add(json);
        }

        return new JsonObject { ["clients"] = clients, ["users"] = users, ["registration"] = Registration, ["resourceScopes"] = ResourceScopes, ["accessTokenTtl"] = AccessTokenTtl, ["idTokenClaims"] = IdTokenClaims };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
