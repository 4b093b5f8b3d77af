using Warden.Core.Configuration;

namespace Warden.Core.Identity;

/// <summary>
/// Turns what the IdP says about a caller into Warden roles (<c>auth.roleMapping</c>). Every rule whose conditions all
/// hold adds its role; a caller no rule matches gets the default roles. Roles come out sorted and without duplicates,
/// so two requests of the same user are recorded alike.
/// </summary>
public static class RoleMapper
{
    public static IReadOnlyList<string> Map(RoleMappingConfig mapping, ClaimsView caller)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in mapping.Rules)
        {
            if (Matches(rule, caller))
            {
                roles.Add(rule.Role);
            }
        }

        return roles.Count > 0 ? [.. roles] : [.. mapping.Default];
    }

    public static bool Matches(RoleMappingRule rule, ClaimsView caller) =>
        (rule.Groups.Count == 0 || AnyGlob(rule.Groups, caller.Groups))
        && (rule.Roles.Count == 0 || AnyGlob(rule.Roles, caller.Roles))
        && (rule.EmailDomains.Count == 0 || rule.EmailDomains.Any(d => InDomain(caller.Email, d)))
        && rule.Claims.All(c => caller.Claim(c.Key).Any(v => ExtractRule.Glob(c.Value, v)));

    private static bool AnyGlob(IReadOnlyList<string> patterns, IReadOnlyList<string> values) =>
        patterns.Any(p => values.Any(v => ExtractRule.Glob(p, v)));

    // "example.com" matches alice@example.com only; "*.example.com" matches example.com and every subdomain.
    private static bool InDomain(string? email, string domain)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        if (at < 0)
        {
            return false;
        }

        var host = email![(at + 1)..];
        if (domain.StartsWith("*.", StringComparison.Ordinal))
        {
            var parent = domain[2..];
            return host.Equals(parent, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + parent, StringComparison.OrdinalIgnoreCase);
        }

        return host.Equals(domain, StringComparison.OrdinalIgnoreCase);
    }
}
