using System.ComponentModel;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.DemoServer.FileSystem;

namespace Warden.DemoServer.Tools;

/// <summary>Read-only access to files under the demo root.</summary>
[McpServerToolType]
public sealed class FileTools
{
    private const int MaxEntries = 1000;
    private const int DefaultMaxBytes = 64 * 1024;
    private const int MaxBytesCap = 1024 * 1024;

    [McpServerTool(Name = "list_directory", Title = "List directory", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Lists a directory under the demo root: one entry per line, directories first with a trailing '/', " +
        "files with their size in bytes. Paths are relative to the root; '.' is the root itself.")]
    public static CallToolResult ListDirectory(
        DemoRoot root,
        [Description("Directory relative to the demo root (default '.')")] string path = ".")
    {
        if (!root.TryResolve(path, out var full, out var error))
        {
            return ToolResults.Error(error);
        }

        if (!Directory.Exists(full))
        {
            return ToolResults.Error(File.Exists(full)
                ? $"'{path}' is a file, not a directory; use read_text_file to read it."
                : $"Directory '{path}' does not exist under the demo root.");
        }

        var directory = new DirectoryInfo(full);
        var entries = directory.EnumerateFileSystemInfos()
            .OrderBy(e => e is FileInfo)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .Take(MaxEntries + 1)
            .ToList();
        var text = new StringBuilder();
        text.Append(root.Relative(full)).Append(":\n");
        foreach (var entry in entries.Take(MaxEntries))
        {
            text.Append(entry is FileInfo file ? $"{file.Name}  ({file.Length} bytes)" : $"{entry.Name}/").Append('\n');
        }

        if (entries.Count == 0)
        {
            text.Append("(empty)\n");
        }
        else if (entries.Count > MaxEntries)
        {
            text.Append($"... more entries not shown (limit {MaxEntries})\n");
        }

        return ToolResults.Text(text.ToString());
    }

    [McpServerTool(Name = "read_text_file", Title = "Read text file", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Reads a UTF-8 text file under the demo root. Output is cut at maxBytes (default 65536, at most 1048576) " +
        "with a note saying so. Binary files are refused.")]
    public static async Task<CallToolResult> ReadTextFileAsync(
        DemoRoot root,
        [Description("File path relative to the demo root")] string path,
        [Description("Maximum bytes to return (default 65536)")] int maxBytes = DefaultMaxBytes,
        CancellationToken cancellationToken = default)
    {
        if (!root.TryResolve(path, out var full, out var error))
        {
            return ToolResults.Error(error);
        }

        if (!File.Exists(full))
        {
            return ToolResults.Error(Directory.Exists(full)
                ? $"'{path}' is a directory; use list_directory to see what is in it."
                : $"File '{path}' does not exist under the demo root.");
        }

        var limit = Math.Clamp(maxBytes, 1, MaxBytesCap);
        var read = await TextFiles.ReadPrefixAsync(full, limit, cancellationToken);
        if (read.IsBinary)
        {
            return ToolResults.Error($"'{path}' looks like a binary file; read_text_file only returns text.");
        }

        return ToolResults.Text(read.Truncated
            ? $"{read.Text}\n\n[truncated: showing the first {limit} of {read.Length} bytes; raise maxBytes to see more]"
            : read.Text);
    }
}
