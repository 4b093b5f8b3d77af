using System.Globalization;
using System.Text;

namespace Warden.Core.Audit.Diff;

/// <summary>
/// Unified diffs (the <c>diff -u</c> / <c>git diff</c> format) of two texts, line by line: <c>---</c>/<c>+++</c>
/// labels, <c>@@ -l,s +l,s @@</c> hunks with context lines, and <c>\ No newline at end of file</c> where a text
/// does not end with one. CRLF line ends are read as LF.
/// </summary>
public static class UnifiedDiff
{
    /// <summary>The marker a unified diff prints after a last line that has no newline.</summary>
    public const string NoNewlineMarker = "\\ No newline at end of file";

    /// <summary>
    /// The unified diff from <paramref name="oldText"/> (null: the file did not exist) to <paramref name="newText"/>,
    /// or an empty string when they are the same. <paramref name="path"/> labels both sides (<c>a/…</c>, <c>b/…</c>).
    /// </summary>
    public static string Create(string? oldText, string newText, string path, int context = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        var lines = LineDiff.Compute(SplitLines(oldText ?? ""), SplitLines(newText));
        if (lines.All(l => l.Op == DiffOp.Equal))
        {
            return "";
        }

        var label = path.TrimStart('/');
        var output = new StringBuilder()
            .Append("--- ").Append(oldText is null ? "/dev/null" : "a/" + label).Append('\n')
            .Append("+++ b/").Append(label).Append('\n');
        AppendHunks(output, lines, context);
        return output.ToString();
    }

    /// <summary>Splits text into lines that keep their <c>\n</c>; a last line without one is kept as it is, so it differs from the same text with one.</summary>
    public static IReadOnlyList<string> SplitLines(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = new List<string>();
        var start = 0;
        while (start < normalized.Length)
        {
            var end = normalized.IndexOf('\n', start);
            if (end < 0)
            {
                lines.Add(normalized[start..]);
                break;
            }

            lines.Add(normalized[start..(end + 1)]);
            start = end + 1;
        }

        return lines;
    }

    private static void AppendHunks(StringBuilder output, IReadOnlyList<DiffLine> lines, int context)
    {
        // Lines of each text before position i, to number the hunks.
        var oldBefore = new int[lines.Count + 1];
        var newBefore = new int[lines.Count + 1];
        for (var i = 0; i < lines.Count; i++)
        {
            oldBefore[i + 1] = oldBefore[i] + (lines[i].Op == DiffOp.Insert ? 0 : 1);
            newBefore[i + 1] = newBefore[i] + (lines[i].Op == DiffOp.Delete ? 0 : 1);
        }

        var index = 0;
        while (NextChange(lines, index) is { } first)
        {
            // A hunk runs from its first change to the last change that is within 2 × context kept lines of the one before.
            var last = first;
            while (NextChange(lines, last + 1) is { } next && next - last - 1 <= 2 * context)
            {
                last = next;
            }

            var start = Math.Max(0, first - context);
            var end = Math.Min(lines.Count, last + context + 1);
            var oldCount = oldBefore[end] - oldBefore[start];
            var newCount = newBefore[end] - newBefore[start];
            output.Append("@@ -").Append(Range(oldBefore[start], oldCount)).Append(" +").Append(Range(newBefore[start], newCount)).Append(" @@\n");
            for (var i = start; i < end; i++)
            {
                var line = lines[i];
                output.Append(line.Op switch { DiffOp.Delete => '-', DiffOp.Insert => '+', _ => ' ' });
                if (line.Text.EndsWith('\n'))
                {
                    output.Append(line.Text);
                }
                else
                {
                    output.Append(line.Text).Append('\n').Append(NoNewlineMarker).Append('\n');
                }
            }

            index = end;
        }
    }

    private static int? NextChange(IReadOnlyList<DiffLine> lines, int from)
    {
        for (var i = from; i < lines.Count; i++)
        {
            if (lines[i].Op != DiffOp.Equal)
            {
                return i;
            }
        }

        return null;
    }

    // diff's ranges: "l" for one line, "l,s" otherwise; an empty range names the line before it ("0,0" at the top).
    private static string Range(int linesBefore, int count) => count switch
    {
        0 => string.Create(CultureInfo.InvariantCulture, $"{linesBefore},0"),
        1 => (linesBefore + 1).ToString(CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{linesBefore + 1},{count}"),
    };
}
