namespace Warden.Core.Configuration;

/// <summary>Who may call Warden and its admin API (the <c>auth</c> section).</summary>
public sealed record AuthConfig
{
    /// <summary>
    /// True: every caller of <c>/mcp…</c> must present a credential (an API key, or a token from a configured issuer).
    /// False (the default, loopback only): a caller without one is the local user; a presented API key is still checked
    /// and a wrong one refused. Creating keys does not change this by itself: a key must never switch the mode silently.
    /// </summary>
    public bool ApiKeys { get; init; }

    /// <summary>Roles that may use the whole admin API (<c>/api/v1/…</c>, keys included) and <c>/metrics</c>. The admin key always may.</summary>
    public IReadOnlyList<string> AdminRoles { get; init; } = ["admin"];

    /// <summary>Roles that may read the audit log (<c>GET /api/v1/audit…</c>: query, record, stream, timeline), and nothing else of the admin API.</summary>
    public IReadOnlyList<string> AuditorRoles { get; init; } = ["compliance", "auditor"];

    /// <summary>Roles that may scrape <c>GET /metrics</c> (a Prometheus service account), besides the admin roles.</summary>
    public IReadOnlyList<string> MetricsRoles { get; init; } = ["metrics"];

    /// <summary>Base64 of 32 bytes keying the stored hashes of API keys; replicas sharing an identity database must share it. Default: generated into the data directory.</summary>
    public string? IdentityKey { get; init; }
}
