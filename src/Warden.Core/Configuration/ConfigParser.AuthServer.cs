using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

// The auth section: Warden as authorization server (auth.server) and its local users.
/// <summary>The <c>auth.server</c> section: Warden as the OAuth 2.1 authorization server, and its local users.</summary>
public sealed partial class ConfigParser
{
    private AuthServerConfig ParseAuthServer(YamlNode node, string path)
    {
        var server = new AuthServerConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "enabled": server = server with { Enabled = Boolean(value, p) ?? server.Enabled }; break;
                case "issuer":
                    var issuer = String(value, p);
                    if (issuer is not null && IssuerProblem(issuer) is { } problem)
                    {
                        Error(p, problem, Line(value));
                    }

                    server = server with { Issuer = issuer?.TrimEnd('/') };
                    break;
                case "accessTokenLifetime": server = server with { AccessTokenLifetime = Duration(value, p) ?? server.AccessTokenLifetime }; break;
                case "refreshTokenLifetime": server = server with { RefreshTokenLifetime = Duration(value, p) ?? server.RefreshTokenLifetime }; break;
                case "authorizationCodeLifetime": server = server with { AuthorizationCodeLifetime = Duration(value, p) ?? server.AuthorizationCodeLifetime }; break;
                case "loginLifetime": server = server with { LoginLifetime = Duration(value, p) ?? server.LoginLifetime }; break;
                case "dynamicRegistration": server = server with { DynamicRegistration = Boolean(value, p) ?? server.DynamicRegistration }; break;
                case "clientMetadataDocuments": server = server with { ClientMetadataDocuments = Boolean(value, p) ?? server.ClientMetadataDocuments }; break;
                case "allowPrivateNetworkMetadata": server = server with { AllowPrivateNetworkMetadata = Boolean(value, p) ?? server.AllowPrivateNetworkMetadata }; break;
                case "allowedRedirectHosts":
                    var hosts = StringList(value, p);
                    for (var i = 0; i < hosts.Count; i++)
                    {
                        if (!RedirectHostPattern().IsMatch(hosts[i]))
                        {
                            Error($"{p}[{i}]", $"must be a host name such as app.example.com or *.example.com (no scheme, port or path), got '{hosts[i]}'", Line(value));
                        }
                    }

                    server = server with { AllowedRedirectHosts = hosts };
                    break;
                case "maxFailedLogins": server = server with { MaxFailedLogins = (int?)Integer(value, p, 1, 1000) ?? server.MaxFailedLogins }; break;
                case "loginLockout": server = server with { LoginLockout = Duration(value, p) ?? server.LoginLockout }; break;
                case "users": server = server with { Users = ParseLocalUsers(value, p) }; break;
                case "idp": server = server with { Idp = ParseUpstreamIdp(value, p) }; break;
                default:
                    Unknown(p, keyNode, "enabled, issuer, accessTokenLifetime, refreshTokenLifetime, authorizationCodeLifetime, loginLifetime, dynamicRegistration, clientMetadataDocuments, allowPrivateNetworkMetadata, allowedRedirectHosts, maxFailedLogins, loginLockout, users, idp");
                    break;
            }
        }

        if (server.AccessTokenLifetime > TimeSpan.FromHours(1))
        {
            Error($"{path}.accessTokenLifetime", $"must be at most 1h (access tokens are short-lived; clients refresh them), got {server.AccessTokenLifetime}", Line(node));
        }

        return server;
    }

    private Dictionary<string, LocalUserConfig> ParseLocalUsers(YamlNode node, string path)
    {
        var users = new Dictionary<string, LocalUserConfig>(StringComparer.Ordinal);
        foreach (var (name, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{name}";
            if (!UserNamePattern().IsMatch(name))
            {
                Error(p, "a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'", Line(keyNode));
                continue;
            }

            string? hash = null, displayName = null, email = null;
            List<string> roles = [];
            foreach (var (key, v, k) in Entries(value, p))
            {
                switch (key)
                {
                    case "passwordHash": hash = String(v, $"{p}.{key}"); break;
                    case "displayName": displayName = String(v, $"{p}.{key}"); break;
                    case "email": email = String(v, $"{p}.{key}"); break;
                    case "roles": roles = StringList(v, $"{p}.{key}"); break;
                    default: Unknown($"{p}.{key}", k, "passwordHash, displayName, email, roles"); break;
                }
            }

            if (hash is null || !LooksLikePasswordHash(hash))
            {
                Error($"{p}.passwordHash", $"must be a password hash made by `warden users set-password {name}` (never a clear password)", Line(value));
                continue;
            }

            users[name] = new LocalUserConfig { Name = name, PasswordHash = hash, DisplayName = displayName, Email = email, Roles = roles };
        }

        return users;
    }

    // Cross-section checks: the issuer falls back to listen.publicUrl, which must then be usable as one.
    private void CheckAuthServer(WardenConfig config)
    {
        if (config.Auth.Server is not { Enabled: true } server || server.Issuer is not null || config.Listen.PublicUrl is not { } publicUrl)
        {
            return;
        }

        if (IssuerProblem(publicUrl.TrimEnd('/')) is { } problem)
        {
            Error("listen.publicUrl", $"is the authorization server's issuer (auth.server.issuer is not set), so it {problem}", null);
        }
    }

    /// <summary>Why a URL cannot be an issuer (RFC 8414 §2: https, no query or fragment; plain http only on loopback), or null.</summary>
    private static string? IssuerProblem(string issuer)
    {
        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            return $"must be an absolute https URL such as https://warden.example.com, got '{issuer}'";
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"must not have a query or fragment, got '{issuer}'";
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        return uri.Scheme == "http" && !loopback
            ? $"must use https (plain http is accepted for loopback addresses only; terminate TLS at Warden or a proxy in front of it), got '{issuer}'"
            : null;
    }

    // ASP.NET Core Identity's v3 format: a 0x01 marker, PRF, iteration count, salt length, salt and subkey.
    private static bool LooksLikePasswordHash(string hash)
    {
        var buffer = new byte[256];
        return Convert.TryFromBase64String(hash, buffer, out var written) && written >= 13 + 16 + 32 && buffer[0] == 0x01;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$")]
    private static partial Regex RedirectHostPattern();
}
