using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Core.Audit.Redaction;

// JSON: every string value is redacted as text, and a value of a field whose name looks secret is masked whole
// (see SecretFields). Keys are kept as they are. Nothing is copied unless something is found.
public sealed partial class SecretRedactor
{
    private const int MaxDepth = 1000;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Written as close to the original as possible: no \u escaping of <, >, &, ' or non-ASCII text.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = MaxDepth,
    };

    /// <summary><paramref name="node"/> with secrets masked: the same node when there was none, else a redacted copy (the original is never changed).</summary>
    public JsonNode? RedactJson(JsonNode? node, RedactionTally? tally = null)
    {
        if (node is null || !NeedsRedaction(node, SecretField.None))
        {
            return node;
        }

        var local = new RedactionTally();
        var redacted = RedactInPlace(node.DeepClone(), SecretField.None, local);
        if (local.Total == 0)
        {
            return node;
        }

        tally?.AddAll(local);
        return redacted;
    }

    /// <summary>
    /// UTF-8 JSON with secrets masked: null when there was none (use the input as it is), else the redacted JSON.
    /// Input that is not JSON (or that a JSON tree cannot hold, such as duplicate member names) is redacted as text.
    /// </summary>
    public byte[]? RedactJsonUtf8(ReadOnlySpan<byte> utf8Json, RedactionTally? tally = null)
    {
        JsonNode? node;
        var local = new RedactionTally();
        try
        {
            if (!NeedsRedaction(utf8Json))
            {
                return null;
            }

            node = RedactInPlace(JsonNode.Parse(utf8Json, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth }), SecretField.None, local);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            var text = Encoding.UTF8.GetString(utf8Json);
            var redacted = Redact(text, tally);
            return ReferenceEquals(text, redacted) ? null : Encoding.UTF8.GetBytes(redacted);
        }

        if (local.Total == 0)
        {
            return null;
        }

        tally?.AddAll(local);
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (node is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                node.WriteTo(writer);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    // Redacts the strings of a node the caller owns; returns the node to use in its place (a string root is replaced).
    private JsonNode? RedactInPlace(JsonNode? node, SecretField field, RedactionTally tally)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    var replaced = RedactInPlace(child, SecretFields.Classify(name, field), tally);
                    if (!ReferenceEquals(replaced, child))
                    {
                        obj[name] = replaced;
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var child = array[i];
                    var replaced = RedactInPlace(child, field, tally);
                    if (!ReferenceEquals(replaced, child))
                    {
                        array[i] = replaced;
                    }
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var redacted = RedactValue(text, field, tally);
                return ReferenceEquals(text, redacted) ? value : JsonValue.Create(redacted);
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number && field == SecretField.Password:
                tally.Add(SecretFieldRule);
                return JsonValue.Create(Markers[SecretFieldRule]);
            default:
                return node;
        }
    }

    private string RedactValue(string text, SecretField field, RedactionTally tally)
    {
        if (SecretFields.IsSecret(text, field))
        {
            tally.Add(SecretFieldRule);
            return Markers[SecretFieldRule];
        }

        return Redact(text, tally);
    }

    private bool NeedsRedaction(JsonNode? node, SecretField field) => node switch
    {
        JsonObject obj => obj.Any(p => NeedsRedaction(p.Value, SecretFields.Classify(p.Key, field))),
        JsonArray array => array.Any(child => NeedsRedaction(child, field)),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => NeedsRedaction(value.GetValue<string>(), field),
        JsonValue value => field == SecretField.Password && value.GetValueKind() == JsonValueKind.Number,
        _ => false,
    };

    private bool NeedsRedaction(ReadOnlySpan<char> text, SecretField field) => SecretFields.IsSecret(text, field) || MayContainSecret(text);

    // Every rule's match holds a trigger word, and every secret field's name one of these (names are matched with
    // separators dropped, so "api_key" and "X-Api-Key" both hold "key").
    // Lowercase and ordinal: the bytes are lowercased as they are widened, which lets the search run its fastest form.
    private static readonly SearchValues<string> RawWords = SearchValues.Create(
        [.. BuiltInRules.TriggerWords.Select(w => w.ToLowerInvariant()).Concat(["pass", "secret", "token", "key", "credential", "auth", "cookie", "bearer"]).Distinct()],
        StringComparison.Ordinal);

    // One forward read, no allocation for ordinary strings: the common case (nothing secret) costs this and no more.
    private bool NeedsRedaction(ReadOnlySpan<byte> utf8Json)
    {
        if (CertainlyClean(utf8Json))
        {
            return false;
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        var containers = new Stack<SecretField>();
        var current = SecretField.None;
        var pending = SecretField.None;
        char[]? rented = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        // The container takes the kind of the slot it fills; its members inherit it.
                        containers.Push(current);
                        current = pending;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        current = containers.Pop();
                        pending = current;
                        break;
                    case JsonTokenType.PropertyName:
                        pending = SecretFields.Classify(Chars(ref reader, ref rented), current);
                        break;
                    case JsonTokenType.String:
                        if (NeedsRedaction(Chars(ref reader, ref rented), pending))
                        {
                            return true;
                        }

                        pending = current;
                        break;
                    case JsonTokenType.Number when pending == SecretField.Password:
                        return true;
                    default:
                        pending = current;
                        break;
                }
            }

            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // Decided on the raw bytes, before any JSON is read: ASCII text with no escape that could hide a letter or a slash
    // ("\u0074oken", "https:\/\/") reads the same decoded, so if none of RawWords is in it, no rule and no secret field
    // can match (custom patterns can match anything: then the full read decides). A 100 KB result costs a widening
    // copy and one vectorised search instead of a JSON read that transcodes every string.
    private bool CertainlyClean(ReadOnlySpan<byte> utf8Json)
    {
        if (_custom.Length > 0 || !Ascii.IsValid(utf8Json) || utf8Json.IndexOf("\\u"u8) >= 0 || utf8Json.IndexOf("\\/"u8) >= 0)
        {
            return false;
        }

        var rented = ArrayPool<char>.Shared.Rent(Math.Max(utf8Json.Length, 1));
        try
        {
            var chars = rented.AsSpan(0, utf8Json.Length);
            Ascii.ToLower(utf8Json, chars, out _);
            return chars.IndexOfAny(RawWords) < 0;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    // The current string token, unescaped, in a pooled buffer (valid until the next call).
    private static ReadOnlySpan<char> Chars(ref Utf8JsonReader reader, ref char[]? rented)
    {
        var max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (rented is null || rented.Length < max)
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }

            rented = ArrayPool<char>.Shared.Rent(Math.Max(max, 256));
        }

        return rented.AsSpan(0, reader.CopyString(rented));
    }
}
