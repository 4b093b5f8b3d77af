namespace Warden.Core.Configuration;

/// <summary>The whole of warden.yaml, validated and immutable.</summary>
public sealed record WardenConfig
{
    public ListenConfig Listen { get; init; } = new();
    public SessionConfig Sessions { get; init; } = new();
    public LimitsConfig Limits { get; init; } = new();
    public AuditConfig Audit { get; init; } = new();
    public TelemetryConfig Telemetry { get; init; } = new();
    public AuthConfig Auth { get; init; } = new();

    /// <summary>Upstream MCP servers by name, in file order.</summary>
    public IReadOnlyDictionary<string, ServerConfig> Servers { get; init; } = new Dictionary<string, ServerConfig>(StringComparer.Ordinal);

    /// <summary>Where the configuration came from (file path), or null for the embedded default.</summary>
    public string? SourcePath { get; init; }
}

/// <summary>Where Warden listens and which Host/Origin headers it accepts.</summary>
public sealed record ListenConfig
{
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8787"];

    /// <summary>Host header values accepted (DNS-rebinding protection). Empty means: loopback names only.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Browser origins accepted besides loopback origins. Requests without Origin are always accepted.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>The public base URL clients use, when Warden sits behind a proxy.</summary>
    public string? PublicUrl { get; init; }
}

/// <summary>Client session settings.</summary>
public sealed record SessionConfig
{
    /// <summary>Base64 key (32 bytes) sealing session ids; every replica must share it. Generated under the data directory when absent.</summary>
    public string? Key { get; init; }
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>Input limits enforced at the HTTP boundary.</summary>
public sealed record LimitsConfig
{
    public long MaxRequestBodyBytes { get; init; } = 8 * 1024 * 1024;
    public int MaxJsonDepth { get; init; } = 64;
}

/// <summary>Audit store settings.</summary>
public sealed record AuditConfig
{
    /// <summary>Path of the SQLite file; relative paths are under the data directory.</summary>
    public string Database { get; init; } = "warden.db";

    /// <summary>sync: a response waits until its record is durable (group commit); batched: it does not.</summary>
    public AuditDurability Durability { get; init; } = AuditDurability.Sync;

    /// <summary>closed: calls are refused while the log cannot be written; open: they are served and their records spooled.</summary>
    public AuditFailureMode OnFailure { get; init; } = AuditFailureMode.Closed;

    /// <summary>A signed checkpoint after this many records...</summary>
    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>...or this long after the last one, whichever comes first (when records were added).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How much of a result's text a record keeps (the SHA-256 always covers all of it).</summary>
    public int MaxOutputChars { get; init; } = 16 * 1024;

    /// <summary>The log's name in its checkpoints (C2SP origin line); defaults to "warden/" and the machine name.</summary>
    public string? Origin { get; init; }

    /// <summary>Where to find the data a server's tools touch, for servers the built-in extraction does not know.</summary>
    public IReadOnlyList<ExtractRule> Extract { get; init; } = [];

    /// <summary>Which tools of servers Warden does not know read, write, edit or move files or run commands (timeline diffs, OCSF classes).</summary>
    public IReadOnlyList<OperationRule> Operations { get; init; } = [];

    /// <summary>Secret patterns of the organisation's own, masked besides the built-in rules.</summary>
    public IReadOnlyList<RedactPattern> Redact { get; init; } = [];

    /// <summary>How long records are kept before their content is pruned.</summary>
    public RetentionConfig Retention { get; init; } = new();

    /// <summary>Which fields are encrypted per data subject.</summary>
    public PrivacyConfig Privacy { get; init; } = new();
}

/// <summary>
/// <c>audit.retention</c>: how long a record's content is kept. A record takes the first <see cref="Servers"/> rule whose
/// glob matches its server, else its server's data class rule, else <see cref="Default"/>. Null means forever.
/// </summary>
public sealed record RetentionConfig
{
    /// <summary>The retention of records no rule covers (default one year); null keeps them forever.</summary>
    public TimeSpan? Default { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Per-server rules (server name globs), in file order; the first match wins.</summary>
    public IReadOnlyList<RetentionRule> Servers { get; init; } = [];

    /// <summary>Per-data-class rules: a server's <see cref="ServerConfig.DataClass"/> picks one.</summary>
    public IReadOnlyDictionary<string, TimeSpan?> DataClasses { get; init; } = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);

    /// <summary>How often <c>warden serve</c> prunes.</summary>
    public TimeSpan PruneInterval { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>One per-server retention rule: servers matching <see cref="Server"/> (glob) keep records for <see cref="Keep"/> (null: forever).</summary>
public sealed record RetentionRule(string Server, TimeSpan? Keep);

/// <summary><c>audit.privacy</c>: identity fields are always sealed per data subject; content fields when asked.</summary>
public sealed record PrivacyConfig
{
    /// <summary>Also seal arguments, prompt, output content (and its hash) and diffs under the acting subject's key.</summary>
    public bool EncryptContent { get; init; }
}

/// <summary>When a response may be released relative to its audit record being written.</summary>
public enum AuditDurability
{
    Sync,
    Batched,
}

/// <summary>How Warden reaches one upstream MCP server.</summary>
public enum UpstreamKind
{
    Stdio,
    Http,
}

/// <summary>Whether a stdio server runs once per client session or once for everyone.</summary>
public enum StdioMode
{
    Session,
    Shared,
}

/// <summary>The HTTP transport an upstream speaks.</summary>
public enum HttpTransport
{
    Auto,
    StreamableHttp,
    Sse,
}

/// <summary>One upstream server.</summary>
public sealed record ServerConfig
{
    public required string Name { get; init; }
    public UpstreamKind Kind { get; init; }
    public bool Enabled { get; init; } = true;
    public string? Description { get; init; }

    // stdio
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public string? WorkingDirectory { get; init; }
    public StdioMode Mode { get; init; } = StdioMode.Session;

    // http
    public Uri? Url { get; init; }
    public HttpTransport Transport { get; init; } = HttpTransport.Auto;
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    // both
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Protocol version Warden speaks to this upstream; null negotiates.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>The class of data this server handles (e.g. <c>hipaa</c>); picks its records' retention from <c>audit.retention.dataClasses</c>.</summary>
    public string? DataClass { get; init; }

    /// <summary>True when both would create the same upstream connection (descriptions aside).</summary>
    public bool SameConnectionAs(ServerConfig other) =>
        Name == other.Name && Kind == other.Kind && Enabled == other.Enabled
        && Command == other.Command && WorkingDirectory == other.WorkingDirectory && Mode == other.Mode
        && Url == other.Url && Transport == other.Transport
        && Timeout == other.Timeout && ConnectTimeout == other.ConnectTimeout && IdleTimeout == other.IdleTimeout
        && ProtocolVersion == other.ProtocolVersion
        && Args.SequenceEqual(other.Args)
        && SameEntries(Env, other.Env)
        && SameEntries(Headers, other.Headers);

    private static bool SameEntries(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
