using System.Text;
using System.Text.RegularExpressions;

namespace Warden.DemoServer.FileSystem;

/// <summary>
/// Minimal glob matching for search_text: '*' and '?' within a path segment, '**' across segments.
/// A pattern without '/' matches the file name alone, so "*.cs" finds C# files at any depth.
/// </summary>
internal sealed class Glob
{
    private readonly Regex _regex;
    private readonly bool _nameOnly;

    private Glob(Regex regex, bool nameOnly)
    {
        _regex = regex;
        _nameOnly = nameOnly;
    }

    public static Glob Parse(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches zero or more whole directories.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        regex.Append('$');
        var options = RegexOptions.CultureInvariant | (OperatingSystem.IsWindows() ? RegexOptions.IgnoreCase : RegexOptions.None);
        return new Glob(new Regex(regex.ToString(), options, TimeSpan.FromMilliseconds(100)), !pattern.Contains('/', StringComparison.Ordinal));
    }

    /// <summary>Matches a root-relative path that uses '/' separators.</summary>
    public bool IsMatch(string relativePath) =>
        _regex.IsMatch(_nameOnly ? relativePath[(relativePath.LastIndexOf('/') + 1)..] : relativePath);
}
