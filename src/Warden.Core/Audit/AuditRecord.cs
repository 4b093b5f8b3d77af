namespace Warden.Core.Audit;

/// <summary>
/// One audited action: input, output, data accessed, model and user identity, time, policy decision, and its place
/// in the log (seq, prev_hash, hash). Encoded canonically by <see cref="AuditRecordEncoder"/>; see docs/audit-record.md.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The prev_hash of the first record: 64 zeros.</summary>
    public const string GenesisPrevHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The record schema version (1).</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Position in the log, starting at 1 with no gaps; record seq N is Merkle leaf N - 1.</summary>
    public long Seq { get; init; }

    /// <summary>A unique, time-sortable id: a version 7 GUID in its lowercase 8-4-4-4-12 form (see <see cref="NewId"/>).</summary>
    public required string Id { get; init; }

    /// <summary>When the action started, in UTC; kept to whole microseconds (finer ticks are dropped on assignment).</summary>
    public required DateTimeOffset Timestamp
    {
        get;
        init => field = new DateTimeOffset(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
    }

    /// <summary>How long the action took, in microseconds.</summary>
    public long DurationMicros { get; init; }

    /// <summary>Which door the action came through.</summary>
    public required AuditSource Source { get; init; }

    /// <summary>The agent or MCP session id.</summary>
    public string? SessionId { get; init; }

    /// <summary>The request id (JSON-RPC id or HTTP request id).</summary>
    public string? RequestId { get; init; }

    /// <summary>The W3C trace id.</summary>
    public string? TraceId { get; init; }

    /// <summary>What was asked.</summary>
    public required AuditInput Input { get; init; }

    /// <summary>What came back, if anything did.</summary>
    public AuditOutput? Output { get; init; }

    /// <summary>The data the action touched.</summary>
    public IReadOnlyList<AuditResource> DataAccessed { get; init; } = [];

    /// <summary>Which model and agent acted, when known.</summary>
    public AuditModelIdentity? Model { get; init; }

    /// <summary>Who acted.</summary>
    public required AuditUserIdentity User { get; init; }

    /// <summary>What policy decided.</summary>
    public required AuditDecision Decision { get; init; }

    /// <summary>
    /// How many secrets each redaction rule masked in this record (rule name → count; never the values), or null
    /// when none was. Lets a reviewer see that a value was hidden and by which rule.
    /// </summary>
    public IReadOnlyDictionary<string, int>? Redactions { get; init; }

    /// <summary>
    /// The personal fields encrypted per data subject (see <see cref="Privacy.AuditRecordSealer"/>): the subject's
    /// pseudonym → sealed field path (<c>user.display_name</c>, …) → base64 of nonce, ciphertext and tag. Null when the
    /// record holds its fields in clear. When set, <see cref="AuditUserIdentity.Subject"/> (and
    /// <see cref="AuditUserIdentity.OnBehalfOf"/>) hold pseudonyms and the sealed fields are absent from their places.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? Sealed { get; init; }

    /// <summary>
    /// Set when the record's content was pruned (retention): only its place in the log (seq, id, timestamp, prev_hash,
    /// hash) and its Merkle leaf hash are left. Input, user, decision and the rest are then empty placeholders.
    /// </summary>
    public AuditTombstone? Pruned { get; init; }

    /// <summary>The previous record's <see cref="Hash"/> (or <see cref="GenesisPrevHash"/> for seq 1), lowercase hex.</summary>
    public string PrevHash { get; init; } = "";

    /// <summary>SHA-256 of this record's canonical encoding (which leaves out this field), lowercase hex.</summary>
    public string Hash { get; init; } = "";

    /// <summary>The tombstone left in place of a pruned record: its place in the log and its leaf hash, nothing else.</summary>
    public static AuditRecord Tombstone(long seq, string id, DateTimeOffset timestamp, string prevHash, string hash, string leafHash, DateTimeOffset prunedAt) => new()
    {
        Seq = seq,
        Id = id,
        Timestamp = timestamp,
        Source = AuditSource.Admin,
        Input = new AuditInput { Method = "" },
        User = new AuditUserIdentity { Subject = "", AuthMethod = "" },
        Decision = new AuditDecision { Effect = AuditEffect.Deny },
        PrevHash = prevHash,
        Hash = hash,
        Pruned = new AuditTombstone(prunedAt, leafHash),
    };

    /// <summary>A new record id: a version 7 GUID (48-bit Unix-millisecond time, then random bits), so ids sort by time.</summary>
    public static string NewId(TimeProvider timeProvider) => Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString();
}
