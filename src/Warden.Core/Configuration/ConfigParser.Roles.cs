using System.Text.RegularExpressions;
using Warden.Core.Authorization;
using Warden.Core.Naming;
using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

// The roles and users sections: who may use which servers, tools, prompts and resources, and who holds which role.
public sealed partial class ConfigParser
{
    private readonly List<(string Path, string Glob, int? Line)> _roleServerGlobs = [];

    private Dictionary<string, RoleConfig> ParseRoles(YamlNode node, string path)
    {
        var roles = new Dictionary<string, RoleConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{name}";
            if (string.Equals(name, RolePolicy.AdminRole, StringComparison.OrdinalIgnoreCase))
            {
                Error(p, $"'{RolePolicy.AdminRole}' is built in (every server, tool, prompt and resource, and reading the audit log) and cannot be redefined; give your role another name", Line(keyNode));
                continue;
            }

            if (!RoleNamePattern().IsMatch(name))
            {
                Error(p, $"role names use letters, digits, '.', '-' and '_' (at most 64), got '{name}'", Line(keyNode));
                continue;
            }

            if (roles.ContainsKey(name))
            {
                Error(p, $"role names are case-insensitive; '{name}' is defined twice", Line(keyNode));
                continue;
            }

            roles[name] = ParseRole(name, value, p);
        }

        return roles;
    }

    private RoleConfig ParseRole(string name, YamlNode node, string path)
    {
        var role = new RoleConfig { Name = name };
        var grantsSomething = false;
        int? grantLine = null;
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "description": role = role with { Description = String(value, p) }; break;
                case "servers":
                    role = role with { Servers = ParseAccessRules(value, p, AccessRules.None) };
                    foreach (var glob in role.Servers.Allow.Concat(role.Servers.Deny))
                    {
                        _roleServerGlobs.Add((p, glob, Line(value)));
                    }

                    break;
                case "tools":
                    role = role with { Tools = ParseAccessRules(value, p, AccessRules.All) };
                    CheckQualifiedGlobs(role.Tools, p, Line(value));
                    (grantsSomething, grantLine) = (true, grantLine ?? Line(keyNode));
                    break;
                case "prompts":
                    role = role with { Prompts = ParseAccessRules(value, p, AccessRules.All) };
                    CheckQualifiedGlobs(role.Prompts, p, Line(value));
                    (grantsSomething, grantLine) = (true, grantLine ?? Line(keyNode));
                    break;
                case "resources":
                    role = role with { Resources = ParseAccessRules(value, p, AccessRules.All) };
                    (grantsSomething, grantLine) = (true, grantLine ?? Line(keyNode));
                    break;
                case "readOnly": role = role with { ReadOnly = Boolean(value, p) ?? false }; break;
                case "readOnlyTools":
                    role = role with { ReadOnlyTools = Globs(value, p) };
                    CheckQualifiedGlobs(new AccessRules(role.ReadOnlyTools, []), p, Line(value));
                    break;
                case "requireJustification":
                    if (value is YamlScalarNode)
                    {
                        role = role with { RequireJustification = Boolean(value, p) == true ? ["*"] : [] };
                    }
                    else
                    {
                        role = role with { RequireJustification = Globs(value, p) };
                        CheckQualifiedGlobs(new AccessRules(role.RequireJustification, []), p, Line(value));
                    }

                    break;
                case "justificationMinLength": role = role with { JustificationMinLength = (int)(Integer(value, p, 1, 1000) ?? role.JustificationMinLength) }; break;
                case "audit": role = role with { Audit = Enum<AuditAccess>(value, p, ("none", AuditAccess.None), ("read", AuditAccess.Read)) ?? role.Audit }; break;
                default:
                    Unknown(p, keyNode, "description, servers, tools, prompts, resources, readOnly, readOnlyTools, requireJustification, justificationMinLength, audit");
                    break;
            }
        }

        // A role that lists tools but no servers grants nothing: almost certainly a forgotten 'servers'.
        if (grantsSomething && role.Servers.Allow.Count == 0)
        {
            Error($"{path}.servers", "is required when the role grants tools, prompts or resources: list the server names or globs the role reaches, e.g. [\"dev-*\"]", grantLine);
        }

        return role;
    }

    // A list of globs (a bare list is the allow list) or {allow: [...], deny: [...]}.
    private AccessRules ParseAccessRules(YamlNode node, string path, AccessRules defaults)
    {
        if (node is not YamlMappingNode)
        {
            return new AccessRules(Globs(node, path), []);
        }

        var rules = defaults;
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            switch (key)
            {
                case "allow": rules = rules with { Allow = Globs(value, $"{path}.allow") }; break;
                case "deny": rules = rules with { Deny = Globs(value, $"{path}.deny") }; break;
                default: Unknown($"{path}.{key}", keyNode, "allow, deny"); break;
            }
        }

        return rules;
    }

    private List<string> Globs(YamlNode node, string path)
    {
        var globs = StringList(node, path);
        for (var i = 0; i < globs.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(globs[i]))
            {
                Error($"{path}[{i}]", "must be a name or glob such as 'query_*' or 'analytics__*', not empty", Line(node));
            }
        }

        return globs;
    }

    // server__tool globs whose server part is a literal name are checked against the servers section later.
    private void CheckQualifiedGlobs(AccessRules rules, string path, int? line)
    {
        foreach (var glob in rules.Allow.Concat(rules.Deny))
        {
            if (QualifiedName.TrySplit(glob, out var server, out _) && server.IndexOfAny(['*', '?']) < 0)
            {
                _roleServerGlobs.Add((path, server, line));
            }
        }
    }

    private Dictionary<string, UserConfig> ParseUsers(YamlNode node, string path)
    {
        var users = new Dictionary<string, UserConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{name}";
            if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal))
            {
                Error(p, $"user names are the subject or e-mail address a credential carries, without '/' or control characters, got '{name}'", Line(keyNode));
                continue;
            }

            if (users.ContainsKey(name))
            {
                Error(p, $"user names are case-insensitive; '{name}' is listed twice", Line(keyNode));
                continue;
            }

            var user = new UserConfig { Name = name };
            if (value is YamlSequenceNode)
            {
                user = user with { Roles = StringList(value, $"{p}") };
            }
            else
            {
                foreach (var (key, field, fieldKey) in Entries(value, p))
                {
                    switch (key)
                    {
                        case "roles": user = user with { Roles = StringList(field, $"{p}.roles") }; break;
                        case "displayName": user = user with { DisplayName = String(field, $"{p}.displayName") }; break;
                        default: Unknown($"{p}.{key}", fieldKey, "roles, displayName"); break;
                    }
                }
            }

            _userLines[name] = Line(value);
            users[name] = user;
        }

        return users;
    }

    private readonly Dictionary<string, int?> _userLines = new(StringComparer.OrdinalIgnoreCase);

    // Names that must refer to something defined elsewhere in the file: a typo here silently grants or withholds access.
    private void CheckRoles(WardenConfig config)
    {
        foreach (var (path, glob, line) in _roleServerGlobs)
        {
            if (glob.IndexOfAny(['*', '?']) < 0 && !config.Servers.ContainsKey(glob))
            {
                var known = config.Servers.Count == 0 ? "none is configured" : "servers: " + string.Join(", ", config.Servers.Keys);
                Error(path, $"names server '{glob}', which is not in the servers section ({known}); fix the name or use a glob", line);
            }
        }

        foreach (var user in config.Users.Values)
        {
            foreach (var role in user.Roles)
            {
                if (!config.Roles.ContainsKey(role) && !string.Equals(role, RolePolicy.AdminRole, StringComparison.OrdinalIgnoreCase))
                {
                    var known = string.Join(", ", config.Roles.Keys.Append(RolePolicy.AdminRole));
                    Error($"users.{user.Name}.roles", $"names role '{role}', which is not defined (roles: {known})", _userLines.GetValueOrDefault(user.Name));
                }
            }
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex RoleNamePattern();
}
