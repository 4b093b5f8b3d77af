using System.Text.RegularExpressions;

namespace Warden.Core.Audit.Redaction;

// Text that arrives a line at a time (an upstream's stderr): a private key printed over several lines would
// otherwise leave its body lines, which match nothing on their own, in the log.
public sealed partial class SecretRedactor
{
    private static readonly Regex KeyBegin = new(@"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
    private static readonly Regex KeyEnd = new(@"-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);

    /// <summary>
    /// Redacts one line of a stream. <paramref name="inPrivateKey"/> carries over between the stream's lines: after a
    /// line that opens a private key block and does not close it, every line up to and including the closing one is
    /// masked whole.
    /// </summary>
    public string RedactLine(string line, ref bool inPrivateKey, RedactionTally? tally = null)
    {
        if (inPrivateKey)
        {
            if (KeyEnd.Match(line) is { Success: true } end)
            {
                inPrivateKey = false;
                return Markers[BuiltInRules.All[0].Name] + Redact(line[(end.Index + end.Length)..], tally);
            }

            return Markers[BuiltInRules.All[0].Name];
        }

        var begin = KeyBegin.Match(line);
        inPrivateKey = begin.Success && !KeyEnd.IsMatch(line, begin.Index);
        return Redact(line, tally);
    }
}
