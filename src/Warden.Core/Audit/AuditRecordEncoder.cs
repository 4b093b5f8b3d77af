using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

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
        Write(record, new CanonicalJsonWriter(buffer), includeHash: false, marks: null);
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
            Write(record, new CanonicalJsonWriter(buffer), includeHash: true, marks: null);
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
    /// Encodes <paramref name="record"/> before it has a place in the log, so that a store's single writer only
    /// fills in seq, prev_hash and hash (<see cref="Seal(PreparedAuditRecord, long, string, ArrayBufferWriter{byte}, out byte[], out byte[])"/>):
    /// the costly part, escaping every string canonically, runs on the appender's thread, once.
    /// </summary>
    /// <remarks>
    /// Canonical JSON cannot hold an unpaired UTF-16 surrogate or a number beyond the range of a double, and a
    /// client can send either. Rather than lose the record, such a record is kept with its arguments as their JSON
    /// text (a string) and unpaired surrogates in its other strings replaced by U+FFFD.
    /// </remarks>
    public static PreparedAuditRecord Prepare(AuditRecord record)
    {
        ThrowIfPruned(record);
        try
        {
            return PrepareExactly(record);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // InvalidOperationException: System.Text.Json refusing to read an escaped unpaired surrogate.
            return PrepareExactly(Representable(record));
        }
    }

    private static PreparedAuditRecord PrepareExactly(AuditRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var marks = new Marks(buffer);
        Write(record, new CanonicalJsonWriter(buffer), includeHash: true, marks);
        return new PreparedAuditRecord(record, buffer.WrittenSpan.ToArray(), marks.HashStart, marks.HashEnd, marks.PrevHashAt, marks.SeqStart, marks.SeqEnd);
    }

    /// <summary>
    /// <see cref="Seal(AuditRecord, long, string)"/> for a prepared record: returns the placed record, its Merkle
    /// leaf hash and its full stored encoding (with hash), byte for byte what <see cref="Encode"/> gives for it.
    /// </summary>
    public static AuditRecord Seal(PreparedAuditRecord prepared, long seq, string prevHash, ArrayBufferWriter<byte> scratch, out byte[] leafHash, out byte[] encoded)
    {
        var placed = Place(prepared.Record, seq, prevHash);
        var template = prepared.Template;
        Span<byte> digits = stackalloc byte[20];
        seq.TryFormat(digits, out var digitCount, default, CultureInfo.InvariantCulture);

        // The stored encoding: the template with this seq and prev_hash, the hash still a placeholder.
        encoded = new byte[template.Length - (prepared.SeqEnd - prepared.SeqStart) + digitCount];
        template.AsSpan(0, prepared.SeqStart).CopyTo(encoded);
        digits[..digitCount].CopyTo(encoded.AsSpan(prepared.SeqStart));
        template.AsSpan(prepared.SeqEnd).CopyTo(encoded.AsSpan(prepared.SeqStart + digitCount));
        System.Text.Encoding.ASCII.GetBytes(prevHash, encoded.AsSpan(prepared.PrevHashAt, 64));

        // The hashed bytes are the same without the hash property; the leaf prefixes them with 0x00 (RFC 6962).
        scratch.ResetWrittenCount();
        var leaf = scratch.GetSpan(encoded.Length + 1);
        leaf[0] = 0x00;
        encoded.AsSpan(0, prepared.HashStart).CopyTo(leaf[1..]);
        encoded.AsSpan(prepared.HashEnd).CopyTo(leaf[(1 + prepared.HashStart)..]);
        var leafLength = 1 + encoded.Length - (prepared.HashEnd - prepared.HashStart);
        Span<byte> recordHash = stackalloc byte[32];
        SHA256.HashData(leaf[1..leafLength], recordHash);
        leafHash = SHA256.HashData(leaf[..leafLength]);

        // The hash's value sits just before the closing quote that ends the property.
        var hex = Convert.ToHexStringLower(recordHash);
        System.Text.Encoding.ASCII.GetBytes(hex, encoded.AsSpan(prepared.HashEnd - 65, 64));
        return placed with { Hash = hex };
    }

    // The record with what canonical JSON cannot hold made representable (see Prepare).
    private static AuditRecord Representable(AuditRecord r)
    {
        static string? Text(string? value) => value is null ? null : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));
        static IReadOnlyList<string> Texts(IReadOnlyList<string> values) => values.Select(v => Text(v)!).ToArray();
        return r with
        {
            Id = Text(r.Id)!,
            SessionId = Text(r.SessionId),
            RequestId = Text(r.RequestId),
            TraceId = Text(r.TraceId),
            Input = r.Input with
            {
                Method = Text(r.Input.Method)!,
                Name = Text(r.Input.Name),
                Server = Text(r.Input.Server),
                Prompt = Text(r.Input.Prompt),
                Justification = Text(r.Input.Justification),
                Arguments = r.Input.Arguments is null ? null : JsonValue.Create(Text(JsonText(r.Input.Arguments))),
            },
            Output = r.Output is null ? null : r.Output with { Content = Text(r.Output.Content), Error = Text(r.Output.Error), Diff = Text(r.Output.Diff) },
            DataAccessed = r.DataAccessed.Select(d => d with
            {
                Kind = Text(d.Kind)!,
                Value = Text(d.Value)!,
                Attributes = d.Attributes?.ToDictionary(a => Text(a.Key)!, a => Text(a.Value)!),
            }).ToArray(),
            Model = r.Model is null ? null : r.Model with { Agent = Text(r.Model.Agent), AgentVersion = Text(r.Model.AgentVersion), Model = Text(r.Model.Model), ModelVersion = Text(r.Model.ModelVersion) },
            User = r.User with { Subject = Text(r.User.Subject)!, DisplayName = Text(r.User.DisplayName), OnBehalfOf = Text(r.User.OnBehalfOf), CredentialId = Text(r.User.CredentialId), AuthMethod = Text(r.User.AuthMethod)!, Roles = Texts(r.User.Roles) },
            Decision = r.Decision with { Reason = Text(r.Decision.Reason), RuleIds = Texts(r.Decision.RuleIds) },
        };
    }

    // The JSON text of a node as it came in: string values keep their escapes (System.Text.Json refuses to unescape
    // an unpaired surrogate), numbers their literal text.
    private static string JsonText(JsonNode node)
    {
        static void Append(JsonNode? node, StringBuilder text)
        {
            switch (node)
            {
                case null:
                    text.Append("null");
                    break;
                case JsonObject obj:
                    text.Append('{');
                    foreach (var (key, value) in obj)
                    {
                        text.Append(text[^1] == '{' ? "" : ",").Append(System.Text.Json.JsonSerializer.Serialize(key)).Append(':');
                        Append(value, text);
                    }

                    text.Append('}');
                    break;
                case JsonArray array:
                    text.Append('[');
                    foreach (var item in array)
                    {
                        text.Append(text[^1] == '[' ? "" : ",");
                        Append(item, text);
                    }

                    text.Append(']');
                    break;
                case JsonValue value when value.TryGetValue<System.Text.Json.JsonElement>(out var element):
                    text.Append(element.GetRawText());
                    break;
                default:
                    text.Append(node.ToJsonString());
                    break;
            }
        }

        try
        {
            var text = new StringBuilder();
            Append(node, text);
            return text.ToString();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // A property name that cannot be read.
            return "(arguments that cannot be represented as text: " + ex.Message + ")";
        }
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
        Write(record, new CanonicalJsonWriter(scratch), includeHash: false, marks: null);
        SHA256.HashData(scratch.WrittenSpan[1..], recordHash);
        SHA256.HashData(scratch.WrittenSpan, leafHash);
    }

    // Properties are written in ascending UTF-16 order, as RFC 8785 sorts them; CanonicalJsonWriter refuses any other order.
    // With marks (Prepare), hash, prev_hash and seq are written as placeholders whose places the marks keep.
    private static void Write(AuditRecord r, CanonicalJsonWriter w, bool includeHash, Marks? marks)
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
            // The property's leading comma belongs to it: cutting [HashStart, HashEnd) leaves the hashed encoding.
            marks?.Mark(ref marks.HashStart);
            w.WritePropertyName("hash");
            w.WriteString(marks is null ? r.Hash : Placeholder);
            marks?.Mark(ref marks.HashEnd);
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

        Optional(w, "justification", r.Input.Justification);
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
        if (marks is null)
        {
            w.WriteString(r.PrevHash);
        }
        else
        {
            marks.Mark(ref marks.PrevHashAt);
            marks.PrevHashAt++;
            w.WriteString(Placeholder);
        }

        if (r.Redactions is { Count: > 0 } redactions)
        {
            w.WritePropertyName("redactions");
            w.WriteStartObject();
            foreach (var rule in redactions.Keys.Order(StringComparer.Ordinal))
            {
                w.WritePropertyName(rule);
                w.WriteNumber(redactions[rule]);
            }

            w.WriteEndObject();
        }

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
                StringMap(w, sealedFields[pseudonym]);
            }

            w.WriteEndObject();
        }

        w.WritePropertyName("seq");
        marks?.Mark(ref marks.SeqStart);
        w.WriteNumber(marks is null ? r.Seq : 0);
        marks?.Mark(ref marks.SeqEnd);
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
        Optional(w, "credential_id", r.User.CredentialId);
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
            StringMap(w, attributes);
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

    private const string Placeholder = "0000000000000000000000000000000000000000000000000000000000000000";

    // Byte offsets into a prepared encoding.
    private sealed class Marks(ArrayBufferWriter<byte> buffer)
    {
        public int HashStart;
        public int HashEnd;
        public int PrevHashAt;
        public int SeqStart;
        public int SeqEnd;

        public void Mark(ref int field) => field = buffer.WrittenCount;
    }

    private static void Optional(CanonicalJsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WritePropertyName(name);
            w.WriteString(value);
        }
    }

    // An object of string values, members in canonical (ordinal) order.
    private static void StringMap(CanonicalJsonWriter w, IReadOnlyDictionary<string, string> map)
    {
        w.WriteStartObject();
        foreach (var key in map.Keys.Order(StringComparer.Ordinal))
        {
            w.WritePropertyName(key);
            w.WriteString(map[key]);
        }

        w.WriteEndObject();
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
