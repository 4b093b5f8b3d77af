using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Warden.Core.Audit;

/// <summary>
/// The canonical encoding of <see cref="AuditRecord"/>s: the record's JSON object (docs/audit-record.md) in RFC 8785
/// form. The encoding without <c>hash</c> is what <c>hash</c> is the SHA-256 of, and is the record's Merkle leaf.
/// </summary>
public static class AuditRecordEncoder
{
    /// <summary>The record's canonical encoding without the <c>hash</c> field: the bytes that are hashed and the Merkle leaf.</summary>
    public static byte[] Canonicalize(AuditRecord record)
    {
        ThrowIfPruned(record);
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(record, new CanonicalJsonWriter(buffer), includeHash: false);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The record's full JSON (with <c>hash</c>), canonical too: what stores and exports hold, one object per line.
    /// A pruned record encodes as its tombstone.
    /// </summary>
    public static byte[] Encode(AuditRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        if (record.Pruned is { } tombstone)
        {
            WriteTombstone(record, tombstone, new CanonicalJsonWriter(buffer));
        }
        else
        {
            Write(record, new CanonicalJsonWriter(buffer), includeHash: true);
        }

        return buffer.WrittenSpan.ToArray();
    }

    // A tombstone has no content to hash: its hash and leaf hash are the pruned record's, carried over.
    private static void ThrowIfPruned(AuditRecord record)
    {
        if (record.Pruned is not null)
        {
            throw new InvalidOperationException($"Record seq {record.Seq} was pruned: its content is gone, so only its stored hash and leaf hash remain.");
        }
    }

    private static void WriteTombstone(AuditRecord r, AuditTombstone tombstone, CanonicalJsonWriter w)
    {
        w.WriteStartObject();
        w.WritePropertyName("hash");
        w.WriteString(r.Hash);
        w.WritePropertyName("id");
        w.WriteString(r.Id);
        w.WritePropertyName("prev_hash");
        w.WriteString(r.PrevHash);
        w.WritePropertyName("pruned");
        w.WriteStartObject();
        w.WritePropertyName("at");
        w.WriteString(FormatTimestamp(tombstone.At));
        w.WritePropertyName("leaf_hash");
        w.WriteString(tombstone.LeafHash);
        w.WriteEndObject();
        w.WritePropertyName("schema_version");
        w.WriteNumber(r.SchemaVersion);
        w.WritePropertyName("seq");
        w.WriteNumber(r.Seq);
        w.WritePropertyName("timestamp");
        w.WriteString(FormatTimestamp(r.Timestamp));
        w.WriteEndObject();
    }

    /// <summary>SHA-256 of <see cref="Canonicalize"/>, lowercase hex: what <see cref="AuditRecord.Hash"/> must be.</summary>
    public static string ComputeHash(AuditRecord record) => Convert.ToHexStringLower(SHA256.HashData(Canonicalize(record)));

    /// <summary>
    /// Places <paramref name="record"/> in the log at <paramref name="seq"/> after the record whose hash is
    /// <paramref name="prevHash"/> (<see cref="AuditRecord.GenesisPrevHash"/> for seq 1) and fills in its hash.
    /// </summary>
    public static AuditRecord Seal(AuditRecord record, long seq, string prevHash)
    {
        var placed = Place(record, seq, prevHash);
        return placed with { Hash = ComputeHash(placed) };
    }

    /// <summary>
    /// <see cref="Seal"/> and the record's Merkle leaf hash from one canonical encoding (a store's hot path),
    /// reusing <paramref name="scratch"/>.
    /// </summary>
    public static AuditRecord Seal(AuditRecord record, long seq, string prevHash, ArrayBufferWriter<byte> scratch, out byte[] leafHash)
    {
        var placed = Place(record, seq, prevHash);
        Span<byte> recordHash = stackalloc byte[32];
        leafHash = new byte[MerkleHash.Size];
        ComputeHashes(placed, scratch, recordHash, leafHash);
        return placed with { Hash = Convert.ToHexStringLower(recordHash) };
    }

    // The record at its place in the log, hash not yet filled in.
    private static AuditRecord Place(AuditRecord record, long seq, string prevHash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        if (prevHash.Length != 64 || !prevHash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("prev_hash must be 64 lowercase hex digits.", nameof(prevHash));
        }

        return record with { Seq = seq, PrevHash = prevHash, Hash = "" };
    }

    /// <summary>Computes the record hash and Merkle leaf hash in one pass, reusing <paramref name="scratch"/>.</summary>
    internal static void ComputeHashes(AuditRecord record, ArrayBufferWriter<byte> scratch, Span<byte> recordHash, Span<byte> leafHash)
    {
        ThrowIfPruned(record);
        scratch.ResetWrittenCount();
        // Byte 0 is the RFC 6962 leaf prefix; the canonical encoding follows it, so both hashes read one buffer.
        scratch.GetSpan(1)[0] = 0x00;
        scratch.Advance(1);
        Write(record, new CanonicalJsonWriter(scratch), includeHash: false);
        SHA256.HashData(scratch.WrittenSpan[1..], recordHash);
        SHA256.HashData(scratch.WrittenSpan, leafHash);
    }

    // Properties are written in ascending UTF-16 order, as RFC 8785 sorts them; CanonicalJsonWriter refuses any other order.
    private static void Write(AuditRecord r, CanonicalJsonWriter w, bool includeHash)
    {
        w.WriteStartObject();

        w.WritePropertyName("data");
        w.WriteStartArray();
        foreach (var resource in r.DataAccessed)
        {
            WriteResource(resource, w);
        }

        w.WriteEndArray();

        w.WritePropertyName("decision");
        w.WriteStartObject();
        w.WritePropertyName("effect");
        w.WriteString(Name(r.Decision.Effect));
        w.WritePropertyName("mode");
        w.WriteString(Name(r.Decision.Mode));
        Optional(w, "reason", r.Decision.Reason);
        w.WritePropertyName("rule_ids");
        Strings(w, r.Decision.RuleIds);
        w.WriteEndObject();

        w.WritePropertyName("duration_us");
        w.WriteNumber(r.DurationMicros);

        if (includeHash)
        {
            w.WritePropertyName("hash");
            w.WriteString(r.Hash);
        }

        w.WritePropertyName("id");
        w.WriteString(r.Id);

        w.WritePropertyName("input");
        w.WriteStartObject();
        if (r.Input.Arguments is not null)
        {
            w.WritePropertyName("arguments");
            w.WriteNode(r.Input.Arguments);
        }

        w.WritePropertyName("method");
        w.WriteString(r.Input.Method);
        Optional(w, "name", r.Input.Name);
        Optional(w, "prompt", r.Input.Prompt);
        Optional(w, "server", r.Input.Server);
        w.WriteEndObject();

        if (r.Model is { } model)
        {
            w.WritePropertyName("model");
            w.WriteStartObject();
            Optional(w, "agent", model.Agent);
            Optional(w, "agent_version", model.AgentVersion);
            Optional(w, "model", model.Model);
            Optional(w, "model_version", model.ModelVersion);
            w.WriteEndObject();
        }

        if (r.Output is { } output)
        {
            w.WritePropertyName("output");
            w.WriteStartObject();
            Optional(w, "content", output.Content);
            Optional(w, "content_sha256", output.ContentSha256);
            Optional(w, "diff", output.Diff);
            Optional(w, "error", output.Error);
            if (output.ExitCode is { } exitCode)
            {
                w.WritePropertyName("exit_code");
                w.WriteNumber(exitCode);
            }

            w.WritePropertyName("truncated");
            w.WriteBoolean(output.Truncated);
            w.WriteEndObject();
        }

        w.WritePropertyName("prev_hash");
        w.WriteString(r.PrevHash);
        Optional(w, "request_id", r.RequestId);
        w.WritePropertyName("schema_version");
        w.WriteNumber(r.SchemaVersion);
        if (r.Sealed is { } sealedFields)
        {
            w.WritePropertyName("sealed");
            w.WriteStartObject();
            foreach (var pseudonym in sealedFields.Keys.Order(StringComparer.Ordinal))
            {
                w.WritePropertyName(pseudonym);
                w.WriteStartObject();
                var fields = sealedFields[pseudonym];
                foreach (var path in fields.Keys.Order(StringComparer.Ordinal))
                {
                    w.WritePropertyName(path);
                    w.WriteString(fields[path]);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WritePropertyName("seq");
        w.WriteNumber(r.Seq);
        Optional(w, "session_id", r.SessionId);
        w.WritePropertyName("source");
        w.WriteString(Name(r.Source));
        w.WritePropertyName("timestamp");
        w.WriteString(FormatTimestamp(r.Timestamp));
        Optional(w, "trace_id", r.TraceId);

        w.WritePropertyName("user");
        w.WriteStartObject();
        w.WritePropertyName("auth_method");
        w.WriteString(r.User.AuthMethod);
        Optional(w, "display_name", r.User.DisplayName);
        Optional(w, "on_behalf_of", r.User.OnBehalfOf);
        w.WritePropertyName("roles");
        Strings(w, r.User.Roles);
        w.WritePropertyName("subject");
        w.WriteString(r.User.Subject);
        w.WriteEndObject();

        w.WriteEndObject();
    }

    private static void WriteResource(AuditResource resource, CanonicalJsonWriter w)
    {
        w.WriteStartObject();
        if (resource.Attributes is { Count: > 0 } attributes)
        {
            w.WritePropertyName("attributes");
            w.WriteStartObject();
            foreach (var key in attributes.Keys.Order(StringComparer.Ordinal))
            {
                w.WritePropertyName(key);
                w.WriteString(attributes[key]);
            }

            w.WriteEndObject();
        }

        w.WritePropertyName("kind");
        w.WriteString(resource.Kind);
        if (resource.Rows is { } rows)
        {
            w.WritePropertyName("rows");
            w.WriteNumber(rows);
        }

        w.WritePropertyName("value");
        w.WriteString(resource.Value);
        w.WriteEndObject();
    }

    /// <summary>UTC, microseconds, ISO 8601: <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    internal static string Name(AuditSource source) => source switch
    {
        AuditSource.Mcp => "mcp",
        AuditSource.Hook => "hook",
        AuditSource.Llm => "llm",
        AuditSource.Admin => "admin",
        AuditSource.Auth => "auth",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown audit source."),
    };

    internal static string Name(AuditEffect effect) => effect switch
    {
        AuditEffect.Allow => "allow",
        AuditEffect.Deny => "deny",
        _ => throw new ArgumentOutOfRangeException(nameof(effect), effect, "Unknown decision effect."),
    };

    internal static string Name(AuditMode mode) => mode switch
    {
        AuditMode.Enforce => "enforce",
        AuditMode.Monitor => "monitor",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown decision mode."),
    };

    private static void Optional(CanonicalJsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WritePropertyName(name);
            w.WriteString(value);
        }
    }

    private static void Strings(CanonicalJsonWriter w, IReadOnlyList<string> values)
    {
        w.WriteStartArray();
        foreach (var value in values)
        {
            w.WriteString(value);
        }

        w.WriteEndArray();
    }
}
