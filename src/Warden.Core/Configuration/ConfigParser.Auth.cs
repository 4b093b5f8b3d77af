using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

public sealed partial class ConfigParser
{
    private AuthConfig ParseAuth(YamlNode node, string path)
    {
        var auth = new AuthConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "apiKeys": auth = auth with { ApiKeys = Boolean(value, p) ?? auth.ApiKeys }; break;
                case "adminRoles": auth = auth with { AdminRoles = RoleList(value, p) }; break;
                case "auditorRoles": auth = auth with { AuditorRoles = RoleList(value, p) }; break;
                case "metricsRoles": auth = auth with { MetricsRoles = RoleList(value, p) }; break;
                case "identityKey":
                    var identityKey = String(value, p);
                    if (identityKey is not null && !IsBase64Key(identityKey))
                    {
                        Error(p, "must be base64 of 32 random bytes (generate one with `openssl rand -base64 32`), the same on every replica", Line(value));
                    }

                    auth = auth with { IdentityKey = identityKey };
                    break;
                default: Unknown(p, keyNode, "apiKeys, adminRoles, auditorRoles, metricsRoles, identityKey"); break;
            }
        }

        return auth;
    }

    private List<string> RoleList(YamlNode node, string path)
    {
        var roles = StringList(node, path);
        for (var i = 0; i < roles.Count; i++)
        {
            if (roles[i].Length is 0 or > 64 || !roles[i].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                Error($"{path}[{i}]", $"must be a role name of letters, digits, '.', '_' or '-', got '{roles[i]}'", Line(node));
            }
        }

        return roles;
    }
}
