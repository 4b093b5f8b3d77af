using System.Globalization;
using Warden.Core.Configuration;

namespace Warden.Core.Audit.Retention;

/// <summary>
/// How long each record is kept, from <c>audit.retention</c> and the servers' data classes: the first matching
/// per-server glob rule, else the server's data class rule, else the default. Lifecycle records are kept forever.
/// </summary>
public sealed class RetentionPolicy
{
    private readonly RetentionConfig _config;
    private readonly IReadOnlyDictionary<string, ServerConfig> _servers;

    public RetentionPolicy(RetentionConfig config, IReadOnlyDictionary<string, ServerConfig> servers)
    {
        _config = config;
        _servers = servers;
    }

    /// <summary>The policy of a whole configuration.</summary>
    public static RetentionPolicy From(WardenConfig config) => new(config.Audit.Retention, config.Servers);

    /// <summary>The shortest retention any record can have, or null when every rule keeps records forever.</summary>
    public TimeSpan? Shortest =>
        new[] { _config.Default }.Concat(_config.Servers.Select(r => r.Keep)).Concat(_config.DataClasses.Values)
            .Where(k => k is not null).Min();

    /// <summary>How long records of <paramref name="server"/> (null: none) are kept, null meaning forever, and the rule that says so.</summary>
    public (TimeSpan? Keep, string Rule) For(string? server)
    {
        if (server is not null)
        {
            foreach (var rule in _config.Servers)
            {
                if (ExtractRule.Glob(rule.Server, server))
                {
                    return (rule.Keep, $"audit.retention.servers.{rule.Server}");
                }
            }

            if (_servers.TryGetValue(server, out var config) && config.DataClass is { } dataClass && _config.DataClasses.TryGetValue(dataClass, out var keep))
            {
                return (keep, $"audit.retention.dataClasses.{dataClass}");
            }
        }

        return (_config.Default, "audit.retention.default");
    }

    /// <summary>True when a record of <paramref name="server"/> stamped <paramref name="timestamp"/> is past retention at <paramref name="now"/>.</summary>
    public bool IsDue(string? server, DateTimeOffset timestamp, DateTimeOffset now) =>
        For(server).Keep is { } keep && timestamp < now - keep;

    /// <summary>A period as configured: whole years, weeks or days where exact, or "forever".</summary>
    public static string Describe(TimeSpan? keep) => keep switch
    {
        null => "forever",
        { } k when k.Ticks % TimeSpan.FromDays(365).Ticks == 0 => (k.Ticks / TimeSpan.FromDays(365).Ticks).ToString(CultureInfo.InvariantCulture) + "y",
        { } k when k.Ticks % TimeSpan.FromDays(7).Ticks == 0 => (k.Ticks / TimeSpan.FromDays(7).Ticks).ToString(CultureInfo.InvariantCulture) + "w",
        { } k when k.Ticks % TimeSpan.FromDays(1).Ticks == 0 => (k.Ticks / TimeSpan.FromDays(1).Ticks).ToString(CultureInfo.InvariantCulture) + "d",
        { } k => k.TotalHours.ToString("0.##", CultureInfo.InvariantCulture) + "h",
    };
}
