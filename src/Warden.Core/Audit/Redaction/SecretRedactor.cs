using System.Text;
using System.Text.RegularExpressions;
using Warden.Core.Configuration;

namespace Warden.Core.Audit.Redaction;

/// <summary>
/// Finds secrets in text and JSON and replaces each with a marker naming the rule that found it
/// (<c>[REDACTED:github-token]</c>), never with anything derived from the secret. Built-in rules cover cloud and
/// forge tokens, private keys, JWTs, passwords in URLs, connection strings and assignments; JSON fields whose names
/// look secret lose random-looking values; <c>audit.redact</c> adds patterns. Thread-safe; one per configuration.
/// </summary>
public sealed partial class SecretRedactor
{
    /// <summary>How every marker starts.</summary>
    public const string MarkerPrefix = "[REDACTED:";

    /// <summary>The rule name for values masked because of their JSON field's name.</summary>
    public const string SecretFieldRule = "secret-field";

    private static readonly Regex Combined;
    private static readonly (RedactionRule Rule, int Group, int SecretGroup)[] Groups;
    private static readonly Dictionary<string, string> Markers;

    private readonly CustomRule[] _custom;

    static SecretRedactor()
    {
        var pattern = new StringBuilder();
        for (var i = 0; i < BuiltInRules.All.Count; i++)
        {
            pattern.Append(i == 0 ? "" : "|").Append($"(?<r{i}>").Append(BuiltInRules.All[i].Pattern.Replace("(?<s>", $"(?<s{i}>", StringComparison.Ordinal)).Append(')');
        }

        Combined = new Regex(pattern.ToString(), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
        Groups = [.. BuiltInRules.All.Select((rule, i) => (rule, Combined.GroupNumberFromName($"r{i}"), Combined.GroupNumberFromName($"s{i}")))];
        Markers = BuiltInRules.All.Select(r => r.Name).Append(SecretFieldRule).ToDictionary(n => n, n => MarkerPrefix + n + "]", StringComparer.Ordinal);
    }

    private SecretRedactor(CustomRule[] custom) => _custom = custom;

    /// <summary>The built-in rules only.</summary>
    public static SecretRedactor Default { get; } = new([]);

    /// <summary>The names of the built-in rules (each also a marker, <c>[REDACTED:name]</c>), <see cref="SecretFieldRule"/> included.</summary>
    public static IReadOnlyCollection<string> BuiltInRuleNames => Markers.Keys;

    /// <summary>The built-in rules plus <paramref name="patterns"/> (already validated with <see cref="PatternProblem"/>).</summary>
    public static SecretRedactor Create(IReadOnlyList<RedactPattern> patterns) =>
        patterns.Count == 0 ? Default : new SecretRedactor([.. patterns.Select(p => CustomRule.Compile(p.Name, p.Pattern))]);

    /// <summary>
    /// This redactor plus exact values to mask under <paramref name="rule"/> (secrets Warden itself handed out, such
    /// as an upstream credential it injected: an upstream that echoes one must not put it in the audit log). Values
    /// shorter than 8 characters are left out: masking them would blank ordinary text.
    /// </summary>
    public SecretRedactor WithLiterals(string rule, IEnumerable<string> values)
    {
        var literals = values.Where(v => v.Length >= 8).Distinct(StringComparer.Ordinal).Select(v => CustomRule.Compile(rule, Regex.Escape(v))).ToArray();
        return literals.Length == 0 ? this : new SecretRedactor([.. _custom, .. literals]);
    }

    /// <summary>What is wrong with a custom pattern, in words for a configuration error; null when it is usable.</summary>
    public static string? PatternProblem(string pattern) => CustomRule.Problem(pattern);

    /// <summary>The marker that replaces a secret found by <paramref name="rule"/>.</summary>
    public static string Marker(string rule) => Markers.TryGetValue(rule, out var marker) ? marker : MarkerPrefix + rule + "]";

    /// <summary>
    /// <paramref name="text"/> with every secret replaced by its marker (the same instance when there was none).
    /// JSON text may escape quotes and <c>+</c> as <c>\u0022</c>, <c>\u0027</c>, <c>\u002B</c> (System.Text.Json does),
    /// which would hide a secret from the rules or cut it in two: when the text has such escapes and the unescaped text
    /// holds a secret, the unescaped text is what comes back, masked. (Escaped <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>
    /// stay escaped: unescaped they would end a value early.)
    /// </summary>
    public string Redact(string text, RedactionTally? tally = null)
    {
        if (UnescapeAscii(text) is { } unescaped)
        {
            var local = new RedactionTally();
            var redacted = RedactAll(unescaped, local);
            if (local.Total > 0)
            {
                tally?.AddAll(local);
                return redacted;
            }
        }

        return RedactAll(text, tally);
    }

    private string RedactAll(string text, RedactionTally? tally)
    {
        var result = RedactBuiltIn(text, tally);
        foreach (var rule in _custom)
        {
            result = rule.Redact(result, tally);
        }

        return result;
    }

    /// <summary>Cheap check: false means <see cref="Redact"/> would return the text unchanged; true means it may not.</summary>
    public bool MayContainSecret(ReadOnlySpan<char> text)
    {
        if (text.Contains(@"\u00", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var at = Candidate(text, 0);
        if (at >= 0 && Combined.IsMatch(text, at))
        {
            return true;
        }

        foreach (var rule in _custom)
        {
            if (rule.IsMatch(text))
            {
                return true;
            }
        }

        return false;
    }

    private static string RedactBuiltIn(string text, RedactionTally? tally)
    {
        var at = Candidate(text, 0);
        StringBuilder? output = null;
        var copied = 0;
        while (at >= 0)
        {
            var match = Combined.Match(text, at);
            if (!match.Success)
            {
                break;
            }

            var (rule, secret, byContext) = Which(match);
            if (secret.Index >= copied && !(rule.SkipsPlaceholders && Placeholders.IsPlaceholder(secret.ValueSpan)))
            {
                var name = NameOf(rule, secret, byContext);
                output ??= new StringBuilder(text.Length);
                output.Append(text, copied, secret.Index - copied).Append(Markers[name]);
                copied = secret.Index + secret.Length;
                tally?.Add(name);
            }

            // Scanning goes on right after the secret, not after the match: context a rule needed after the secret
            // (a line end, a closing quote, a YAML comment) may hold the next one.
            var next = Math.Max(secret.Index + secret.Length, match.Index + 1);
            at = next < text.Length ? Candidate(text, next) : -1;
        }

        return output is null ? text : output.Append(text, copied, text.Length - copied).ToString();
    }

    // The text with \u0022, \u0027 and \u002B decoded, or null when it has none.
    private static string? UnescapeAscii(string text)
    {
        var at = text.IndexOf(@"\u00", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var output = new StringBuilder(text.Length);
        var copied = 0;
        for (; at >= 0 && at + 6 <= text.Length; at = text.IndexOf(@"\u00", at + 1, StringComparison.OrdinalIgnoreCase))
        {
            if (at >= copied && byte.TryParse(text.AsSpan(at + 4, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code) && code is 0x22 or 0x27 or 0x2B)
            {
                output.Append(text, copied, at - copied).Append((char)code);
                copied = at + 6;
            }
        }

        return copied == 0 ? null : output.Append(text, copied, text.Length - copied).ToString();
    }

    // Where the regex must start looking at or after 'from': a little before the next trigger, or -1 when there is none.
    private static int Candidate(ReadOnlySpan<char> text, int from)
    {
        var found = text[from..].IndexOfAny(BuiltInRules.Triggers);
        return found < 0 ? -1 : Math.Max(from, from + found - BuiltInRules.Lookback);
    }

    // A value found by its context (GITHUB_TOKEN=…, Bearer …) that is itself a known kind of secret is named by its kind.
    private static string NameOf(RedactionRule rule, Capture secret, bool byContext)
    {
        if (!byContext)
        {
            return rule.Name;
        }

        var inner = Combined.Match(secret.Value);
        return inner.Success && inner.Index == 0 && inner.Length == secret.Length && Which(inner) is (var kind, _, false) ? kind.Name : rule.Name;
    }

    // The rule a match belongs to, the part to mask, and whether that part was found by its context (a secret group).
    private static (RedactionRule Rule, Capture Secret, bool ByContext) Which(Match match)
    {
        foreach (var (rule, group, secretGroup) in Groups)
        {
            if (match.Groups[group].Success)
            {
                return secretGroup >= 0 && match.Groups[secretGroup] is { Success: true } secret ? (rule, secret, true) : (rule, match.Groups[group], false);
            }
        }

        throw new InvalidOperationException("A redaction match belongs to no rule.");
    }
}
