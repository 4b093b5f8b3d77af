using System.Globalization;

namespace Warden.Core.Audit;

/// <summary>Formats doubles exactly as ECMAScript's Number.prototype.toString does (RFC 8785 §3.2.2.3).</summary>
internal static class EcmaScriptNumber
{
    /// <summary>Longest output: "-" + 17 digits + "." + "e-324" style exponent fits comfortably.</summary>
    public const int MaxLength = 32;

    /// <summary>The ECMAScript string of a finite double; throws for NaN and infinities, which JSON cannot hold.</summary>
    public static string Format(double value)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        var written = Format(value, buffer);
        return new string(buffer[..written]);
    }

    /// <summary>Writes the ECMAScript string of a finite double into <paramref name="destination"/>; returns the length.</summary>
    public static int Format(double value, Span<char> destination)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no representation for NaN or Infinity; canonical JSON (RFC 8785) rejects them.");
        }

        // Both +0 and -0 serialise as "0" (ES Number::toString step 2).
        if (value == 0)
        {
            destination[0] = '0';
            return 1;
        }

        // Below 2^53 every integer is exactly representable and is its own shortest form, so ES prints its digits;
        // most numbers in audit records are such integers. (Above 2^53 the shortest digits can differ from the exact value.)
        if (Math.Abs(value) < 9007199254740992d && Math.Floor(value) == value)
        {
            ((long)value).TryFormat(destination, out var integerLength, default, CultureInfo.InvariantCulture);
            return integerLength;
        }

        // .NET Core 3.0+ "R" yields the shortest digit string that round-trips, which is the digit string ES
        // requires (ES picks the shortest, then the closest; .NET's shortest mode is also correctly rounded).
        // Only the layout differs ("1E+21" vs "1e+21", "1E-07" vs "1e-7"), so take the digits and decimal
        // exponent from it and lay them out by the ES rules.
        Span<char> raw = stackalloc char[MaxLength];
        if (!value.TryFormat(raw, out var rawLength, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A double did not fit its formatting buffer.");
        }

        Span<char> digits = stackalloc char[MaxLength];
        var digitCount = 0;
        var pointPosition = -1;
        var exponent = 0;
        var negative = false;
        for (var i = 0; i < rawLength; i++)
        {
            var c = raw[i];
            if (c == '-' && i == 0)
            {
                negative = true;
            }
            else if (c == '.')
            {
                pointPosition = digitCount;
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(raw[(i + 1)..rawLength], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[digitCount++] = c;
            }
        }

        if (pointPosition < 0)
        {
            pointPosition = digitCount;
        }

        // Normalise to value = 0.d1d2…dk × 10^n with d1 ≠ 0 and dk ≠ 0 (ES's k and n).
        var start = 0;
        while (digits[start] == '0')
        {
            start++;
            pointPosition--;
        }

        var end = digitCount;
        while (digits[end - 1] == '0')
        {
            end--;
        }

        ReadOnlySpan<char> s = digits[start..end];
        var k = s.Length;
        var n = pointPosition + exponent;

        var pos = 0;
        if (negative)
        {
            destination[pos++] = '-';
        }

        if (k <= n && n <= 21)
        {
            // Integer: the digits followed by n-k zeros.
            s.CopyTo(destination[pos..]);
            pos += k;
            destination.Slice(pos, n - k).Fill('0');
            pos += n - k;
        }
        else if (0 < n && n <= 21)
        {
            // Decimal point inside the digits.
            s[..n].CopyTo(destination[pos..]);
            pos += n;
            destination[pos++] = '.';
            s[n..].CopyTo(destination[pos..]);
            pos += k - n;
        }
        else if (-6 < n && n <= 0)
        {
            // Small fraction: "0." then -n zeros then the digits.
            destination[pos++] = '0';
            destination[pos++] = '.';
            destination.Slice(pos, -n).Fill('0');
            pos += -n;
            s.CopyTo(destination[pos..]);
            pos += k;
        }
        else
        {
            // Exponential: d[.ddd]e±(n-1).
            destination[pos++] = s[0];
            if (k > 1)
            {
                destination[pos++] = '.';
                s[1..].CopyTo(destination[pos..]);
                pos += k - 1;
            }

            destination[pos++] = 'e';
            var e = n - 1;
            destination[pos++] = e < 0 ? '-' : '+';
            Math.Abs(e).TryFormat(destination[pos..], out var expLength, default, CultureInfo.InvariantCulture);
            pos += expLength;
        }

        return pos;
    }
}
