using System.Text;
using System.Text.RegularExpressions;

namespace Warden.Core.Audit.Redaction;

/// <summary>
/// A pattern from <c>audit.redact</c>. It runs on the linear-time engine when it can; a pattern that needs
/// lookarounds or backreferences runs on the backtracking engine with a time limit, and a text it cannot finish
/// in time is masked whole (better an unreadable record than a leaked secret).
/// </summary>
internal sealed class CustomRule
{
    /// <summary>How long a backtracking pattern may take on one text.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex _regex;
    private readonly int _secretGroup;

    private CustomRule(string name, Regex regex)
    {
        Name = name;
        _regex = regex;
        _secretGroup = regex.GroupNumberFromName("secret");
    }

    public string Name { get; }

    /// <summary>True when the pattern runs on the linear-time engine.</summary>
    public bool IsLinear => (_regex.Options & RegexOptions.NonBacktracking) != 0;

    /// <summary>Compiles a pattern; throws <see cref="ArgumentException"/> saying what is wrong when it is not usable (see <see cref="Problem"/>).</summary>
    public static CustomRule Compile(string name, string pattern)
    {
        var (regex, problem) = TryCompile(pattern);
        return regex is not null ? new CustomRule(name, regex) : throw new ArgumentException($"audit.redact pattern '{name}' {problem}", nameof(pattern));
    }

    /// <summary>What is wrong with a pattern, in words for a configuration error; null when it is usable.</summary>
    public static string? Problem(string pattern) => TryCompile(pattern).Problem;

    private static (Regex? Regex, string? Problem) TryCompile(string pattern)
    {
        Regex regex;
        try
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (NotSupportedException)
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, Timeout);
            }
        }
        catch (ArgumentException ex)
        {
            return (null, $"is not a valid regular expression: {ex.Message}");
        }

        return regex.IsMatch("")
            ? (null, "matches the empty string, so it would mask nothing; make it match at least one character")
            : (regex, null);
    }

    public bool IsMatch(ReadOnlySpan<char> text)
    {
        try
        {
            return _regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return true;
        }
    }

    public string Redact(string text, RedactionTally? tally)
    {
        try
        {
            // Most texts hold no match: the allocation-free check first.
            if (!_regex.IsMatch(text))
            {
                return text;
            }

            var match = _regex.Match(text);

            var output = new StringBuilder(text.Length);
            var copied = 0;
            var marker = SecretRedactor.Marker(Name);
            for (; match.Success; match = match.NextMatch())
            {
                Capture secret = _secretGroup >= 0 && match.Groups[_secretGroup] is { Success: true } group ? group : match;
                if (secret.Length == 0 || secret.Index < copied)
                {
                    continue;
                }

                output.Append(text, copied, secret.Index - copied).Append(marker);
                copied = secret.Index + secret.Length;
                tally?.Add(Name);
            }

            return copied == 0 ? text : output.Append(text, copied, text.Length - copied).ToString();
        }
        catch (RegexMatchTimeoutException)
        {
            tally?.Add(Name);
            return SecretRedactor.Marker(Name);
        }
    }
}
