using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Warden.Core.Audit;

/// <summary>
/// Writes RFC 8785 canonical JSON as UTF-8. Callers that write objects by hand must name properties in
/// ascending UTF-16 order; the writer checks this, so hand-written output can never silently stop being canonical.
/// </summary>
internal sealed class CanonicalJsonWriter
{
    /// <summary>2^53: integers beyond this do not survive the IEEE double that JCS numbers are.</summary>
    private const long MaxSafeInteger = 9_007_199_254_740_992;

    private readonly IBufferWriter<byte> _output;
    // The open containers, innermost last: kept in parallel arrays so writing allocates nothing per container.
    private bool[] _isObject = new bool[16];
    private int[] _count = new int[16];
    private string?[] _lastName = new string?[16];
    private int _depth;
    private bool _afterPropertyName;

    public CanonicalJsonWriter(IBufferWriter<byte> output)
    {
        _output = output;
    }

    public void WriteStartObject()
    {
        BeforeValue();
        WriteByte((byte)'{');
        Push(isObject: true);
    }

    public void WriteEndObject()
    {
        if (_depth == 0 || !_isObject[_depth - 1] || _afterPropertyName)
        {
            throw new InvalidOperationException("Unbalanced canonical JSON object.");
        }

        _depth--;

        WriteByte((byte)'}');
    }

    public void WriteStartArray()
    {
        BeforeValue();
        WriteByte((byte)'[');
        Push(isObject: false);
    }

    public void WriteEndArray()
    {
        if (_depth == 0 || _isObject[_depth - 1])
        {
            throw new InvalidOperationException("Unbalanced canonical JSON array.");
        }

        _depth--;

        WriteByte((byte)']');
    }

    public void WritePropertyName(string name)
    {
        if (_depth == 0 || !_isObject[_depth - 1] || _afterPropertyName)
        {
            throw new InvalidOperationException($"Property '{name}' written outside an object.");
        }

        var lastName = _lastName[_depth - 1];
        if (lastName is not null && string.CompareOrdinal(lastName, name) >= 0)
        {
            throw new InvalidOperationException($"Canonical JSON needs properties in ascending UTF-16 order: '{name}' came after '{lastName}'.");
        }

        if (lastName is not null)
        {
            WriteByte((byte)',');
        }

        _lastName[_depth - 1] = name;
        WriteQuoted(name);
        WriteByte((byte)':');
        _afterPropertyName = true;
    }

    public void WriteString(string value)
    {
        BeforeValue();
        WriteQuoted(value);
    }

    public void WriteNumber(double value)
    {
        BeforeValue();
        Span<char> chars = stackalloc char[EcmaScriptNumber.MaxLength];
        var length = EcmaScriptNumber.Format(value, chars);
        var bytes = _output.GetSpan(length);
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)chars[i];
        }

        _output.Advance(length);
    }

    /// <summary>Writes an integer; refuses values a double cannot hold exactly, which must travel as strings.</summary>
    public void WriteNumber(long value)
    {
        if (value is > MaxSafeInteger or < -MaxSafeInteger)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Integers beyond ±2^53 change value in canonical JSON; write them as strings.");
        }

        WriteNumber((double)value);
    }

    public void WriteBoolean(bool value)
    {
        BeforeValue();
        WriteAscii(value ? "true"u8 : "false"u8);
    }

    public void WriteNull()
    {
        BeforeValue();
        WriteAscii("null"u8);
    }

    /// <summary>Writes any JSON node canonically: object members sorted, numbers and strings in canonical form.</summary>
    public void WriteNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                WriteNull();
                break;
            case JsonObject obj:
                var members = new KeyValuePair<string, JsonNode?>[obj.Count];
                var i = 0;
                foreach (var member in obj)
                {
                    members[i++] = member;
                }

                Array.Sort(members, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                WriteStartObject();
                foreach (var (key, value) in members)
                {
                    WritePropertyName(key);
                    WriteNode(value);
                }

                WriteEndObject();
                break;
            case JsonArray array:
                WriteStartArray();
                foreach (var item in array)
                {
                    WriteNode(item);
                }

                WriteEndArray();
                break;
            case JsonValue value:
                WriteValue(value);
                break;
            default:
                throw new ArgumentException($"Unsupported JSON node type {node.GetType().Name} at {node.GetPath()}.", nameof(node));
        }
    }

    private void WriteValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.Null:
                WriteNull();
                break;
            case JsonValueKind.True:
                WriteBoolean(true);
                break;
            case JsonValueKind.False:
                WriteBoolean(false);
                break;
            case JsonValueKind.String:
                WriteString(value.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(value.ToJsonString())!);
                break;
            case JsonValueKind.Number:
                var number = ReadNumber(value);
                if (!double.IsFinite(number))
                {
                    throw new ArgumentException($"The number at {value.GetPath()} is outside the range of an IEEE double; canonical JSON cannot represent it.", nameof(value));
                }

                WriteNumber(number);
                break;
            default:
                throw new ArgumentException($"Unsupported JSON value at {value.GetPath()}.", nameof(value));
        }
    }

    private static double ReadNumber(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            // Parse the literal text, not a typed view of it: JCS numbers are the IEEE double nearest the text.
            return double.Parse(element.GetRawText(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (value.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var n))
        {
            return n;
        }

        // Other CLR numbers (decimal, float, …): use the JSON text they serialise to, as a receiver would.
        return double.Parse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
    }

    private void BeforeValue()
    {
        if (_depth == 0)
        {
            return;
        }

        if (_isObject[_depth - 1])
        {
            if (!_afterPropertyName)
            {
                throw new InvalidOperationException("A value inside an object needs a property name first.");
            }

            _afterPropertyName = false;
            return;
        }

        if (_count[_depth - 1]++ > 0)
        {
            WriteByte((byte)',');
        }
    }

    private void Push(bool isObject)
    {
        if (_depth == _isObject.Length)
        {
            Array.Resize(ref _isObject, _depth * 2);
            Array.Resize(ref _count, _depth * 2);
            Array.Resize(ref _lastName, _depth * 2);
        }

        _isObject[_depth] = isObject;
        _count[_depth] = 0;
        _lastName[_depth] = null;
        _depth++;
    }

    private void WriteQuoted(string value)
    {
        WriteByte((byte)'"');
        var chars = value.AsSpan();
        var runStart = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(chars[runStart..i]);
            WriteEscape(c);
            runStart = i + 1;
        }

        WriteUtf8(chars[runStart..]);
        WriteByte((byte)'"');
    }

    private void WriteEscape(char c)
    {
        ReadOnlySpan<byte> escape = c switch
        {
            '"' => "\\\""u8,
            '\\' => "\\\\"u8,
            '\b' => "\\b"u8,
            '\f' => "\\f"u8,
            '\n' => "\\n"u8,
            '\r' => "\\r"u8,
            '\t' => "\\t"u8,
            _ => default,
        };

        if (!escape.IsEmpty)
        {
            WriteAscii(escape);
            return;
        }

        // Remaining control characters: \u00XX with lowercase hex, as RFC 8785 §3.2.2.2 requires.
        const string Hex = "0123456789abcdef";
        var span = _output.GetSpan(6);
        "\\u00"u8.CopyTo(span);
        span[4] = (byte)Hex[c >> 4];
        span[5] = (byte)Hex[c & 0xF];
        _output.Advance(6);
    }

    private void WriteUtf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        var status = Utf8.FromUtf16(chars, span, out _, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            throw new ArgumentException("A JSON string holds an unpaired UTF-16 surrogate; canonical JSON needs valid Unicode.");
        }

        _output.Advance(written);
    }

    private void WriteAscii(ReadOnlySpan<byte> bytes)
    {
        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    private void WriteByte(byte b)
    {
        _output.GetSpan(1)[0] = b;
        _output.Advance(1);
    }
}
