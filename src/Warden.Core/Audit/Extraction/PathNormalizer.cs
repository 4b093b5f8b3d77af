namespace Warden.Core.Audit.Extraction;

/// <summary>
/// Lexical path normalisation for records and matching: one separator, no empty or "." segments, ".." resolved
/// (never above the root), no trailing separator. It does not touch the file system, so it cannot resolve
/// symlinks; "~" and relative paths stay as written, since only the agent knows its home and working directory.
/// </summary>
public static class PathNormalizer
{
    public static string Normalize(string path)
    {
        var text = path.Trim();
        if (text.Length == 0)
        {
            return text;
        }

        // A Windows path (C:\ or \\server\share) is written with forward slashes so one glob matches both.
        var windows = text.Length >= 2 && text[1] == ':' && char.IsAsciiLetter(text[0]) || text.StartsWith(@"\\", StringComparison.Ordinal);
        if (windows || !text.Contains('/'))
        {
            text = text.Replace('\\', '/');
        }

        var rooted = text.StartsWith('/');
        var segments = new List<string>();
        foreach (var segment in text.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count > 0 && segments[^1] != ".." && !(segments.Count == 1 && segments[0].EndsWith(':')))
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }
                    else if (!rooted)
                    {
                        segments.Add("..");
                    }

                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        var joined = string.Join('/', segments);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }
}
