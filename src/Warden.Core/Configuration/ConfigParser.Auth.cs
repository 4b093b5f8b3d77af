using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

/// <summary>The <c>auth</c> section: Warden's resource URI, the company IdP (<c>auth.oidc</c>), role mapping, API keys and operator roles.</summary>
public sealed partial class ConfigParser
{
    private static readonly HashSet<string> SupportedAlgorithms = new(OidcConfig.DefaultAlgorithms, StringComparer.Ordinal);

    private AuthConfig ParseAuth(YamlNode node, string path)
    {
        var auth = new AuthConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "resource": auth = auth with { Resource = ResourceUri(value, p) }; break;
                case "oidc": auth = auth with { Oidc = ParseOidc(value, p) }; break;
                case "roleMapping": auth = auth with { RoleMapping = ParseRoleMapping(value, p) }; break;
                case "server": auth = auth with { Server = ParseAuthServer(value, p) }; break;
                case "apiKeys": auth = auth with { ApiKeys = Boolean(value, p) ?? auth.ApiKeys }; break;
                case "adminRoles": auth = auth with { AdminRoles = RoleNames(value, p) }; break;
                case "auditorRoles": auth = auth with { AuditorRoles = RoleNames(value, p) }; break;
                case "metricsRoles": auth = auth with { MetricsRoles = RoleNames(value, p) }; break;
                case "identityKey":
                    var identityKey = String(value, p);
                    if (identityKey is not null && !IsBase64Key(identityKey))
                    {
                        Error(p, "must be base64 of 32 random bytes (generate one with `openssl rand -base64 32`), the same on every replica", Line(value));
                    }

                    auth = auth with { IdentityKey = identityKey };
                    break;
                default: Unknown(p, keyNode, "resource, oidc, roleMapping, server, apiKeys, adminRoles, auditorRoles, metricsRoles, identityKey"); break;
            }
        }

        return auth;
    }

    // RFC 8707 §2: an absolute URI without a fragment; Warden also refuses a query, since endpoint URIs are built by appending paths.
    private string? ResourceUri(YamlNode node, string path)
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http") || uri.Fragment.Length > 0 || uri.Query.Length > 0)
        {
            Error(path, $"must be an absolute http(s) URL without query or fragment, such as https://warden.example.com, got '{text}'", Line(node));
            return null;
        }

        return text.TrimEnd('/');
    }

    private OidcConfig? ParseOidc(YamlNode node, string path)
    {
        string? issuer = null;
        var oidc = new OidcConfig { Issuer = "" };
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "issuer": issuer = IdpUrl(value, p, "the issuer exactly as the IdP's tokens name it, e.g. https://login.example.com/realms/corp"); break;
                case "discoveryUrl": oidc = oidc with { DiscoveryUrl = IdpUrl(value, p, "the URL of the IdP's openid-configuration document") }; break;
                case "audiences": oidc = oidc with { Audiences = StringList(value, p) }; break;
                case "algorithms":
                    var algorithms = StringList(value, p);
                    foreach (var algorithm in algorithms.Where(a => !SupportedAlgorithms.Contains(a)))
                    {
                        var why = algorithm.StartsWith("HS", StringComparison.OrdinalIgnoreCase) || algorithm.Equals("none", StringComparison.OrdinalIgnoreCase)
                            ? "symmetric and unsigned tokens are never accepted (an HMAC key would be the IdP's public key)"
                            : "it is not a supported asymmetric JWS algorithm";
                        Error(p, $"'{algorithm}' is not allowed: {why}; use some of {string.Join(", ", OidcConfig.DefaultAlgorithms)}", Line(value));
                    }

                    if (algorithms.Count == 0)
                    {
                        Error(p, "must list at least one algorithm, or be left out to accept the asymmetric defaults", Line(value));
                    }

                    oidc = oidc with { Algorithms = algorithms };
                    break;
                case "clockSkew":
                    if (Duration(value, p) is { } skew)
                    {
                        if (skew > TimeSpan.FromMinutes(5))
                        {
                            Error(p, "must be at most 5m: a large skew keeps expired tokens valid; fix the clocks (NTP) instead", Line(value));
                        }

                        oidc = oidc with { ClockSkew = skew };
                    }

                    break;
                case "requiredScopes":
                    var scopes = StringList(value, p);
                    foreach (var scope in scopes.Where(s => !ScopeTokenPattern().IsMatch(s)))
                    {
                        Error(p, $"'{scope}' is not a scope token (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)", Line(value));
                    }

                    oidc = oidc with { RequiredScopes = scopes };
                    break;
                case "claims": oidc = oidc with { Claims = ParseClaimNames(value, p) }; break;
                case "keyRefreshInterval":
                    oidc = oidc with { KeyRefreshInterval = AtLeast(value, p, TimeSpan.FromSeconds(1), "1s") ?? oidc.KeyRefreshInterval };
                    break;
                case "metadataRefreshInterval":
                    oidc = oidc with { MetadataRefreshInterval = AtLeast(value, p, TimeSpan.FromMinutes(5), "5m") ?? oidc.MetadataRefreshInterval };
                    break;
                default: Unknown(p, keyNode, "issuer, discoveryUrl, audiences, algorithms, clockSkew, requiredScopes, claims, keyRefreshInterval, metadataRefreshInterval"); break;
            }
        }

        if (issuer is null)
        {
            Error($"{path}.issuer", "is required: the issuer URL of the company's IdP, e.g. https://login.example.com/realms/corp", Line(node));
            return null;
        }

        return oidc with { Issuer = issuer };
    }

    // The IdP's keys come from these URLs, so plain http is accepted only on loopback (a test IdP), never across a network.
    private string? IdpUrl(YamlNode node, string path, string what)
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            Error(path, $"must be {what}, got '{text}'", Line(node));
            return null;
        }

        if (uri.Scheme == "http" && !IsLoopbackHost(uri.Host))
        {
            Error(path, $"must use https (plain http is accepted only for an IdP on loopback), got '{text}'", Line(node));
            return null;
        }

        return text;
    }

    private TimeSpan? AtLeast(YamlNode node, string path, TimeSpan minimum, string minimumText)
    {
        var duration = Duration(node, path);
        if (duration is { } d && d < minimum)
        {
            Error(path, $"must be at least {minimumText}", Line(node));
            return null;
        }

        return duration;
    }

    private OidcClaimNames ParseClaimNames(YamlNode node, string path) => ParseClaimNames(node, path, new OidcClaimNames(), "access tokens");

    // Claim names over defaults (the adapter's, for auth.server.idp); <paramref name="where"/> names what carries them.
    private OidcClaimNames ParseClaimNames(YamlNode node, string path, OidcClaimNames claims, string where)
    {
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            var name = String(value, p);
            if (string.IsNullOrWhiteSpace(name))
            {
                Error(p, $"must name a claim of the IdP's {where}", Line(value));
                continue;
            }

            switch (key)
            {
                case "subject": claims = claims with { Subject = name }; break;
                case "name": claims = claims with { Name = name }; break;
                case "email": claims = claims with { Email = name }; break;
                case "groups": claims = claims with { Groups = name }; break;
                case "roles": claims = claims with { Roles = name }; break;
                default: Unknown(p, keyNode, "subject, name, email, groups, roles"); break;
            }
        }

        return claims;
    }

    private RoleMappingConfig ParseRoleMapping(YamlNode node, string path)
    {
        var mapping = new RoleMappingConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "rules":
                    if (value is not YamlSequenceNode sequence)
                    {
                        Error(p, "must be a list of rules such as `- role: engineering` with `groups: [\"eng-*\"]`", Line(value));
                        break;
                    }

                    var rules = new List<RoleMappingRule>();
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        if (ParseRoleRule(sequence.Children[i], $"{p}[{i}]") is { } rule)
                        {
                            rules.Add(rule);
                        }
                    }

                    mapping = mapping with { Rules = rules };
                    break;
                case "default": mapping = mapping with { Default = RoleNames(value, p) }; break;
                default: Unknown(p, keyNode, "rules, default"); break;
            }
        }

        return mapping;
    }

    private RoleMappingRule? ParseRoleRule(YamlNode node, string path)
    {
        string? role = null;
        var rule = new RoleMappingRule { Role = "" };
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "role": role = RoleNames(value, p) is [var single] ? single : null; break;
                case "groups": rule = rule with { Groups = StringList(value, p) }; break;
                case "roles": rule = rule with { Roles = StringList(value, p) }; break;
                case "emailDomains":
                    var domains = StringList(value, p);
                    foreach (var domain in domains.Where(d => d.Contains('@', StringComparison.Ordinal) || d.Length == 0))
                    {
                        Error(p, $"'{domain}' is not a domain: write example.com (or *.example.com for its subdomains too)", Line(value));
                    }

                    rule = rule with { EmailDomains = domains };
                    break;
                case "claims": rule = rule with { Claims = StringMap(value, p) }; break;
                default: Unknown(p, keyNode, "role, groups, roles, emailDomains, claims"); break;
            }
        }

        if (role is null)
        {
            Error($"{path}.role", "is required: the Warden role this rule grants", Line(node));
            return null;
        }

        return rule with { Role = role };
    }

    private List<string> RoleNames(YamlNode node, string path)
    {
        var roles = StringList(node, path);
        foreach (var role in roles.Where(r => !RoleNamePattern().IsMatch(r)))
        {
            Error(path, $"'{role}' is not a role name (letters, digits, '-', '_' and '.', starting with a letter or digit)", Line(node));
        }

        return roles;
    }

    // A resource server must know its own URI: a wildcard listen address names no host a client could reach.
    private void CheckAuth(WardenConfig config)
    {
        if (config.Auth.Oidc is null || config.Auth.Resource is not null || config.Listen.PublicUrl is not null)
        {
            return;
        }

        if (config.Listen.Urls is [var first, ..] && Uri.TryCreate(first.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            && (uri.Host == "wildcard" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))))
        {
            Error("auth.resource", $"must be set (or listen.publicUrl) when Warden listens on '{first}': tokens are bound to the URL clients reach Warden at, e.g. https://warden.example.com", null);
        }
    }

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    [GeneratedRegex(@"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    private static partial Regex ScopeTokenPattern();
}
