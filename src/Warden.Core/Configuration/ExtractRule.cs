using System.Text.RegularExpressions;

namespace Warden.Core.Configuration;

/// <summary>
/// One <c>audit.extract</c> rule: for tools of servers matching the globs, the value at <see cref="From"/>
/// (<c>arguments.a.b</c> or <c>result.structuredContent.x</c>) is a resource of <see cref="Kind"/>
/// (sql, file, url, mailbox, search, or any other name recorded as given).
/// </summary>
public sealed record ExtractRule(string Server, string Tool, string Kind, string From)
{
    public bool Matches(string? server, string? tool) => Glob(Server, server ?? "") && Glob(Tool, tool ?? "");

    /// <summary>Matches <c>*</c> (any run of characters) and <c>?</c> (one character), case-sensitively.</summary>
    public static bool Glob(string pattern, string value) =>
        pattern == "*" || Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$", RegexOptions.None, TimeSpan.FromMilliseconds(100));
}
