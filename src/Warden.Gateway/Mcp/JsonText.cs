namespace Warden.Gateway.Mcp;

/// <summary>Checks on JSON text that System.Text.Json's parser lets through but cannot serve later.</summary>
internal static class JsonText
{
    /// <summary>
    /// Whether a string in <paramref name="json"/> escapes an unpaired UTF-16 surrogate (<c>\uD800</c> without a
    /// following <c>\uDC00</c>…): valid JSON syntax, but not Unicode text, and System.Text.Json throws when such a
    /// string is read (for policy, the audit record, or forwarding), long after parsing accepted it.
    /// </summary>
    public static bool HasUnpairedSurrogate(ReadOnlySpan<byte> json)
    {
        var i = 0;
        while (true)
        {
            // Backslashes appear only inside strings, each starting a two-byte escape or \uXXXX.
            var next = json[i..].IndexOf((byte)'\\');
            if (next < 0 || i + next + 1 >= json.Length)
            {
                return false;
            }

            i += next;
            if (json[i + 1] != (byte)'u' || !TryReadHex(json, i + 2, out var unit))
            {
                i += 2;
                continue;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 11 < json.Length && json[i + 6] == (byte)'\\' && json[i + 7] == (byte)'u' && TryReadHex(json, i + 8, out var low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    i += 12;
                    continue;
                }

                return true;
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return true;
            }

            i += 6;
        }
    }

    private static bool TryReadHex(ReadOnlySpan<byte> json, int at, out int value)
    {
        value = 0;
        if (at + 4 > json.Length)
        {
            return false;
        }

        for (var k = 0; k < 4; k++)
        {
            var digit = HexValue(json[at + k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
