using System.Text.RegularExpressions;

namespace Warden.Core.Authorization;

/// <summary>A compiled glob: <c>*</c> is any run of characters (crossing <c>/</c>), <c>?</c> one character; case-sensitive.</summary>
public sealed class Glob
{
    private readonly Regex? _regex;
    private readonly string _literal;

    public Glob(string pattern)
    {
        Pattern = pattern;
        _literal = pattern;
        if (pattern.AsSpan().IndexOfAny('*', '?') >= 0 && pattern != "*")
        {
            _regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.Singleline | RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
    }

    public string Pattern { get; }

    public bool IsMatch(string value) => Pattern == "*" || (_regex?.IsMatch(value) ?? string.Equals(_literal, value, StringComparison.Ordinal));
}
