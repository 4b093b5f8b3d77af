using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

/// <summary>The <c>auth.server.idp</c> section: users sign in at the company's OpenID Connect IdP through Warden.</summary>
public sealed partial class ConfigParser
{
    private UpstreamIdpConfig? ParseUpstreamIdp(YamlNode node, string path)
    {
        string? issuer = null, clientId = null;
        YamlNode? claimsNode = null;
        bool? userInfo = null;
        var idp = new UpstreamIdpConfig { Issuer = "", ClientId = "" };
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "name":
                    var name = String(value, p);
                    if (name is not null && !IdpNamePattern().IsMatch(name))
                    {
                        Error(p, $"must be 1 to 32 lower-case letters, digits or '-' (it is part of the callback URL), got '{name}'", Line(value));
                    }

                    idp = idp with { Name = name ?? idp.Name };
                    break;
                case "displayName": idp = idp with { DisplayName = String(value, p) ?? idp.DisplayName }; break;
                case "issuer": issuer = IdpUrl(value, p, "the issuer exactly as the IdP's ID tokens name it, e.g. https://login.microsoftonline.com/TENANT/v2.0"); break;
                case "discoveryUrl": idp = idp with { DiscoveryUrl = IdpUrl(value, p, "the URL of the IdP's openid-configuration document") }; break;
                case "clientId": clientId = String(value, p); break;
                case "clientSecret": idp = idp with { ClientSecret = String(value, p) is { Length: > 0 } secret ? secret : null }; break;
                case "scopes":
                    var scopes = StringList(value, p);
                    foreach (var scope in scopes.Where(s => !ScopeTokenPattern().IsMatch(s)))
                    {
                        Error(p, $"'{scope}' is not a scope token (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)", Line(value));
                    }

                    idp = idp with { Scopes = scopes.Contains("openid", StringComparer.Ordinal) ? scopes : ["openid", .. scopes] };
                    break;
                case "adapter":
                    idp = idp with
                    {
                        Adapter = Enum(value, p, ("generic", UpstreamIdpAdapter.Generic), ("entra", UpstreamIdpAdapter.Entra), ("cognito", UpstreamIdpAdapter.Cognito)) ?? idp.Adapter,
                    };
                    break;
                case "claims": claimsNode = value; break;
                case "userInfo": userInfo = Boolean(value, p); break;
                case "algorithms":
                    var algorithms = StringList(value, p);
                    foreach (var algorithm in algorithms.Where(a => !SupportedAlgorithms.Contains(a)))
                    {
                        Error(p, $"'{algorithm}' is not allowed (asymmetric JWS algorithms only); use some of {string.Join(", ", OidcConfig.DefaultAlgorithms)}", Line(value));
                    }

                    idp = idp with { Algorithms = algorithms.Count > 0 ? algorithms : idp.Algorithms };
                    break;
                case "clockSkew":
                    if (Duration(value, p) is { } skew)
                    {
                        if (skew > TimeSpan.FromMinutes(5))
                        {
                            Error(p, "must be at most 5m; fix the clocks (NTP) instead", Line(value));
                        }

                        idp = idp with { ClockSkew = skew };
                    }

                    break;
                default: Unknown(p, keyNode, "name, displayName, issuer, discoveryUrl, clientId, clientSecret, scopes, adapter, claims, userInfo, algorithms, clockSkew"); break;
            }
        }

        if (issuer is null)
        {
            Error($"{path}.issuer", "is required: the issuer URL of the company's IdP, e.g. https://login.example.com/realms/corp", Line(node));
        }

        if (string.IsNullOrWhiteSpace(clientId))
        {
            Error($"{path}.clientId", "is required: the client id of the application registered for Warden at the IdP (redirect URI https://WARDEN/oauth/login/NAME/callback)", Line(node));
        }

        if (issuer is null || string.IsNullOrWhiteSpace(clientId))
        {
            return null;
        }

        var claims = UpstreamIdpConfig.DefaultClaims(idp.Adapter);
        if (claimsNode is not null)
        {
            claims = ParseClaimNames(claimsNode, $"{path}.claims", claims, "ID token or userinfo answer");
        }

        // Entra's userinfo answers only for a Graph token and Cognito's leaves out the groups; their ID tokens carry everything.
        return idp with
        {
            Issuer = issuer,
            ClientId = clientId,
            Claims = claims,
            UserInfo = userInfo ?? idp.Adapter == UpstreamIdpAdapter.Generic,
        };
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex IdpNamePattern();
}
