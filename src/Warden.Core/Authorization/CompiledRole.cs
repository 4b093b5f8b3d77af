using Warden.Core.Configuration;
using Warden.Core.Naming;

namespace Warden.Core.Authorization;

/// <summary>A role with its globs compiled; answers for itself alone (the union over roles is <see cref="CallerAccess"/>'s).</summary>
internal sealed class CompiledRole
{
    private readonly Glob[] _serversAllow, _serversDeny, _resourcesAllow, _resourcesDeny;
    private readonly NameGlob[] _toolsAllow, _toolsDeny, _promptsAllow, _promptsDeny, _readOnlyTools, _justified;
    private readonly string _prefix;

    public CompiledRole(RoleConfig config)
    {
        Config = config;
        _prefix = $"roles.{config.Name}";
        _serversAllow = Compile(config.Servers.Allow);
        _serversDeny = Compile(config.Servers.Deny);
        _resourcesAllow = Compile(config.Resources.Allow);
        _resourcesDeny = Compile(config.Resources.Deny);
        _toolsAllow = CompileNames(config.Tools.Allow);
        _toolsDeny = CompileNames(config.Tools.Deny);
        _promptsAllow = CompileNames(config.Prompts.Allow);
        _promptsDeny = CompileNames(config.Prompts.Deny);
        _readOnlyTools = CompileNames(config.ReadOnlyTools);
        _justified = CompileNames(config.RequireJustification);
    }

    public RoleConfig Config { get; }

    public string Name => Config.Name;

    public AccessDecision Server(string server)
    {
        if (_serversDeny.FirstOrDefault(g => g.IsMatch(server)) is { } denied)
        {
            return new(false, $"{_prefix}.servers.deny", $"role {Name} denies server '{server}' (servers.deny '{denied.Pattern}')");
        }

        return _serversAllow.Any(g => g.IsMatch(server))
            ? new(true, $"{_prefix}.servers", $"role {Name} reaches server '{server}'")
            : new(false, $"{_prefix}.servers", $"role {Name} does not reach server '{server}'");
    }

    public AccessDecision Tool(string server, string tool, bool readOnlyHint)
    {
        var reach = Server(server);
        if (!reach.Allowed)
        {
            return reach;
        }

        var named = Named(server, tool, _toolsAllow, _toolsDeny, "tools", "tool");
        if (!named.Allowed)
        {
            return named;
        }

        if (Config.ReadOnly && !readOnlyHint && !_readOnlyTools.Any(g => g.IsMatch(server, tool)))
        {
            return new(false, $"{_prefix}.readOnly", $"role {Name} is read-only and tool '{QualifiedName.Join(server, tool)}' is not marked read-only (readOnlyHint) or listed in readOnlyTools");
        }

        return _justified.Any(g => g.IsMatch(server, tool))
            ? named with { RuleId = $"{_prefix}.requireJustification", JustificationMinLength = Config.JustificationMinLength }
            : named;
    }

    public AccessDecision Prompt(string server, string prompt)
    {
        var reach = Server(server);
        return reach.Allowed ? Named(server, prompt, _promptsAllow, _promptsDeny, "prompts", "prompt") : reach;
    }

    public AccessDecision Resource(string server, string uri)
    {
        var reach = Server(server);
        if (!reach.Allowed)
        {
            return reach;
        }

        if (_resourcesDeny.FirstOrDefault(g => g.IsMatch(uri)) is { } denied)
        {
            return new(false, $"{_prefix}.resources.deny", $"role {Name} denies resource '{uri}' (resources.deny '{denied.Pattern}')");
        }

        return _resourcesAllow.Any(g => g.IsMatch(uri))
            ? new(true, $"{_prefix}.resources", $"role {Name} grants resource '{uri}'")
            : new(false, $"{_prefix}.resources", $"role {Name} does not grant resource '{uri}'");
    }

    private AccessDecision Named(string server, string name, NameGlob[] allow, NameGlob[] deny, string field, string kind)
    {
        var qualified = QualifiedName.Join(server, name);
        if (deny.FirstOrDefault(g => g.IsMatch(server, name)) is { } denied)
        {
            return new(false, $"{_prefix}.{field}.deny", $"role {Name} denies {kind} '{qualified}' ({field}.deny '{denied.Pattern}')");
        }

        return allow.Any(g => g.IsMatch(server, name))
            ? new(true, $"{_prefix}.{field}", $"role {Name} grants {kind} '{qualified}'")
            : new(false, $"{_prefix}.{field}", $"role {Name} does not grant {kind} '{qualified}'");
    }

    private static Glob[] Compile(IReadOnlyList<string> patterns) => [.. patterns.Select(p => new Glob(p))];

    private static NameGlob[] CompileNames(IReadOnlyList<string> patterns) => [.. patterns.Select(p => new NameGlob(p))];

    // With the separator the glob is over server__name; without, over the name alone on any of the role's servers.
    private sealed class NameGlob(string pattern)
    {
        private readonly Glob _glob = new(pattern);
        private readonly bool _qualified = pattern.Contains(QualifiedName.Separator, StringComparison.Ordinal);

        public string Pattern => pattern;

        public bool IsMatch(string server, string name) => _glob.IsMatch(_qualified ? QualifiedName.Join(server, name) : name);
    }
}
