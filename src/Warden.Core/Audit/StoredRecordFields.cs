using System.Buffers.Text;

namespace Warden.Core.Audit;

/// <summary>
/// The top-level fields verification needs (seq, id, hash, prev_hash, source, schema version, tombstone), read straight
/// from a record's stored canonical bytes in one pass, without decoding the rest. Verification then hashes the stored
/// bytes minus the <c>hash</c> property, which is exactly the encoding the record hash and Merkle leaf were computed
/// over: no decode and re-encode. Anything unexpected (not an object, an escaped top-level name, a field missing)
/// makes <see cref="TryRead"/> answer false and the caller falls back to the strict decoder, which explains the problem.
/// </summary>
internal readonly record struct StoredRecordFields(long Seq, Range Id, Range Hash, Range PrevHash, Range HashProperty, bool Pruned, bool Admin)
{
    private static ReadOnlySpan<byte> StructuralBytes => "\"{}[]"u8;

    public static bool TryRead(ReadOnlySpan<byte> json, out StoredRecordFields fields)
    {
        fields = default;
        if (json.Length < 2 || json[0] != (byte)'{' || json[^1] != (byte)'}')
        {
            return false;
        }

        long seq = -1, version = -1;
        Range id = default, hash = default, prevHash = default, hashProperty = default;
        bool pruned = false, admin = false, sawHash = false, sawPrev = false, sawId = false;
        var at = 1;
        while (true)
        {
            var propertyStart = at;
            if (at >= json.Length || json[at] != (byte)'"')
            {
                return false;
            }

            var nameEnd = json[(at + 1)..].IndexOf((byte)'"');
            if (nameEnd < 0)
            {
                return false;
            }

            var name = json.Slice(at + 1, nameEnd);
            if (name.IndexOf((byte)'\\') >= 0)
            {
                return false;
            }

            at += nameEnd + 2;
            if (at >= json.Length || json[at] != (byte)':')
            {
                return false;
            }

            var valueStart = ++at;
            if (!TrySkipValue(json, ref at))
            {
                return false;
            }

            var value = json[valueStart..at];
            switch (name)
            {
                case var n when n.SequenceEqual("hash"u8):
                    hash = StringContent(value, valueStart);
                    hashProperty = propertyStart..at;
                    sawHash = hash.End.Value > 0;
                    break;
                case var n when n.SequenceEqual("prev_hash"u8):
                    prevHash = StringContent(value, valueStart);
                    sawPrev = prevHash.End.Value > 0;
                    break;
                case var n when n.SequenceEqual("id"u8):
                    id = StringContent(value, valueStart);
                    sawId = id.End.Value > 0;
                    break;
                case var n when n.SequenceEqual("seq"u8):
                    if (!Utf8Parser.TryParse(value, out seq, out var used) || used != value.Length)
                    {
                        return false;
                    }

                    break;
                case var n when n.SequenceEqual("schema_version"u8):
                    if (!Utf8Parser.TryParse(value, out version, out var digits) || digits != value.Length)
                    {
                        return false;
                    }

                    break;
                case var n when n.SequenceEqual("source"u8):
                    admin = value.SequenceEqual("\"admin\""u8);
                    break;
                case var n when n.SequenceEqual("pruned"u8):
                    pruned = true;
                    break;
            }

            if (at >= json.Length)
            {
                return false;
            }

            if (json[at] == (byte)'}')
            {
                // Only whitespace-free canonical JSON is read here; anything after the closing brace goes to the decoder.
                if (at != json.Length - 1)
                {
                    return false;
                }

                break;
            }

            if (json[at] != (byte)',')
            {
                return false;
            }

            at++;
        }

        if (!sawHash || !sawPrev || !sawId || seq < 1 || version != AuditRecord.CurrentSchemaVersion)
        {
            return false;
        }

        fields = new StoredRecordFields(seq, id, hash, prevHash, hashProperty, pruned, admin);
        return true;
    }

    /// <summary>
    /// Writes the encoding the hashes cover into <paramref name="destination"/>: the stored bytes without the
    /// <c>hash</c> property and the comma that joined it to its neighbour.
    /// </summary>
    public int WriteHashedEncoding(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        var (start, end) = (HashProperty.Start.Value, HashProperty.End.Value);
        if (json[start - 1] == (byte)',')
        {
            start--;
        }
        else if (json[end] == (byte)',')
        {
            end++;
        }

        json[..start].CopyTo(destination);
        json[end..].CopyTo(destination[start..]);
        return json.Length - (end - start);
    }

    // A JSON string value without escapes (ids and hex hashes have none): the range of its content, or default.
    private static Range StringContent(ReadOnlySpan<byte> value, int offset) =>
        value.Length >= 2 && value[0] == (byte)'"' && value[^1] == (byte)'"' && value[1..^1].IndexOf((byte)'\\') < 0
            ? (offset + 1)..(offset + value.Length - 1)
            : default;

    private static bool TrySkipValue(ReadOnlySpan<byte> json, ref int at)
    {
        if (at >= json.Length)
        {
            return false;
        }

        switch (json[at])
        {
            case (byte)'"':
                return TrySkipString(json, ref at);
            case (byte)'{' or (byte)'[':
                return TrySkipNested(json, ref at);
            default:
                // A number or literal runs to the next comma or closing brace.
                var end = json[at..].IndexOfAny((byte)',', (byte)'}', (byte)']');
                if (end <= 0)
                {
                    return false;
                }

                at += end;
                return true;
        }
    }

    private static bool TrySkipString(ReadOnlySpan<byte> json, ref int at)
    {
        var i = at + 1;
        while (true)
        {
            var next = json[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0)
            {
                return false;
            }

            i += next;
            if (json[i] == (byte)'"')
            {
                at = i + 1;
                return true;
            }

            i += 2;
            if (i >= json.Length)
            {
                return false;
            }
        }
    }

    private static bool TrySkipNested(ReadOnlySpan<byte> json, ref int at)
    {
        var depth = 0;
        var i = at;
        while (true)
        {
            var next = json[i..].IndexOfAny(StructuralBytes);
            if (next < 0)
            {
                return false;
            }

            i += next;
            switch (json[i])
            {
                case (byte)'"':
                    if (!TrySkipString(json, ref i))
                    {
                        return false;
                    }

                    continue;
                case (byte)'{' or (byte)'[':
                    depth++;
                    break;
                default:
                    depth--;
                    break;
            }

            i++;
            if (depth == 0)
            {
                at = i;
                return true;
            }

            if (i >= json.Length)
            {
                return false;
            }
        }
    }
}
