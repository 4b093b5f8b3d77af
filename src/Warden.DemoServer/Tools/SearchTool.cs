using System.ComponentModel;
using System.Text;
using System.Text.RegularExpressions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.DemoServer.FileSystem;

namespace Warden.DemoServer.Tools;

/// <summary>grep-like search of text files under the demo root, with bounded work and output.</summary>
[McpServerToolType]
public sealed class SearchTool
{
    private const int MaxMatches = 200;
    private const int MaxFiles = 5000;
    private const int MaxFileBytes = 1024 * 1024;
    private const int MaxLineChars = 240;

    // Build output and dependency folders are rarely what anyone is searching for, and can be huge.
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.OrdinalIgnoreCase)
    {
        ".git", "node_modules", "bin", "obj", ".vs", ".idea",
    };

    [McpServerTool(Name = "search_text", Title = "Search text", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Searches text files under the demo root for a regular expression (case-insensitive) and returns matching lines " +
        "as path:line: text. Optional glob narrows the files ('*.md', 'src/**/*.cs'). Stops after 200 matches or 5000 files; " +
        "skips binary files, files over 1 MiB, and .git, node_modules, bin and obj folders.")]
    public static async Task<CallToolResult> SearchAsync(
        DemoRoot root,
        [Description(".NET regular expression, e.g. TODO|FIXME")] string pattern,
        [Description("Optional glob for file paths relative to the root, e.g. *.cs or docs/**/*.md")] string? glob = null,
        CancellationToken cancellationToken = default)
    {
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        }
        catch (ArgumentException ex)
        {
            return ToolResults.Error($"Invalid regular expression '{pattern}': {ex.Message}");
        }

        var filter = string.IsNullOrWhiteSpace(glob) ? null : Glob.Parse(glob.Trim().Replace('\\', '/'));
        var output = new StringBuilder();
        int matches = 0, files = 0;
        var stopped = "";
        try
        {
            foreach (var file in EnumerateFiles(root.FullPath))
            {
                var relative = root.Relative(file.FullName);
                if (filter is not null && !filter.IsMatch(relative))
                {
                    continue;
                }

                if (++files > MaxFiles)
                {
                    stopped = $"stopped after scanning {MaxFiles} files; narrow the search with glob";
                    break;
                }

                if (file.Length > MaxFileBytes)
                {
                    continue;
                }

                var text = await TextFiles.ReadPrefixAsync(file.FullName, MaxFileBytes, cancellationToken);
                if (text.IsBinary)
                {
                    continue;
                }

                var lineNumber = 0;
                foreach (var line in text.Text.AsSpan().EnumerateLines())
                {
                    lineNumber++;
                    if (!regex.IsMatch(line))
                    {
                        continue;
                    }

                    var shown = line.Trim();
                    output.Append(relative).Append(':').Append(lineNumber).Append(": ");
                    output.Append(shown.Length > MaxLineChars ? shown[..MaxLineChars] : shown);
                    output.Append(shown.Length > MaxLineChars ? "...\n" : "\n");
                    if (++matches >= MaxMatches)
                    {
                        stopped = $"stopped at {MaxMatches} matches; refine the pattern or glob";
                        break;
                    }
                }

                if (matches >= MaxMatches)
                {
                    break;
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            return ToolResults.Error($"The pattern '{pattern}' is too expensive to evaluate (regex timeout); simplify it.");
        }

        if (matches == 0)
        {
            output.Append($"No matches for /{pattern}/ in {Math.Min(files, MaxFiles)} file(s).\n");
        }

        if (stopped.Length > 0)
        {
            output.Append('[').Append(stopped).Append("]\n");
        }

        return ToolResults.Text(output.ToString());
    }

    private static IEnumerable<FileInfo> EnumerateFiles(string rootPath)
    {
        // Links are not followed: a link could lead out of the root or into a cycle.
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(rootPath));
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in directory.EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry is DirectoryInfo child)
                {
                    if (!SkippedDirectories.Contains(child.Name))
                    {
                        pending.Push(child);
                    }
                }
                else if (entry is FileInfo file)
                {
                    yield return file;
                }
            }
        }
    }
}
