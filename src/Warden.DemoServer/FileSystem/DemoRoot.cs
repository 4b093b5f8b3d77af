namespace Warden.DemoServer.FileSystem;

/// <summary>
/// The directory the file tools may read. Every path a client sends is resolved against it, symbolic
/// links included, and refused if the real location falls outside.
/// </summary>
public sealed class DemoRoot
{
    private const int MaxLinkDepth = 40;

    private DemoRoot(string fullPath) => FullPath = fullPath;

    /// <summary>The root's real, absolute path (links resolved), without a trailing separator.</summary>
    public string FullPath { get; }

    /// <summary>Picks the root from <c>--root DIR</c>, else <paramref name="environmentRoot"/>, else the working directory.</summary>
    public static bool TryCreate(IReadOnlyList<string> args, string? environmentRoot, out DemoRoot root, out string error)
    {
        root = null!;
        var requested = string.IsNullOrWhiteSpace(environmentRoot) ? Environment.CurrentDirectory : environmentRoot;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--root")
            {
                if (i + 1 >= args.Count)
                {
                    error = "--root needs a directory, e.g. --root ~/projects";
                    return false;
                }

                requested = args[i + 1];
            }
            else if (args[i].StartsWith("--root=", StringComparison.Ordinal))
            {
                requested = args[i]["--root=".Length..];
            }
        }

        var full = RealPath(Path.GetFullPath(requested), 0);
        if (!Directory.Exists(full))
        {
            error = $"root directory '{requested}' does not exist; pass an existing directory with --root or WARDEN_DEMO_ROOT";
            return false;
        }

        root = new DemoRoot(Path.TrimEndingDirectorySeparator(full));
        error = "";
        return true;
    }

    /// <summary>The host's arguments with <c>--root</c> removed, so configuration binding never sees it.</summary>
    public static string[] WithoutRootArgs(IReadOnlyList<string> args)
    {
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--root")
            {
                i++;
            }
            else if (!args[i].StartsWith("--root=", StringComparison.Ordinal))
            {
                rest.Add(args[i]);
            }
        }

        return [.. rest];
    }

    /// <summary>Resolves a client-supplied path; fails with a message the model can act on if it escapes.</summary>
    public bool TryResolve(string? relativePath, out string fullPath, out string error)
    {
        var requested = string.IsNullOrWhiteSpace(relativePath) ? "." : relativePath;
        var combined = Path.GetFullPath(Path.Combine(FullPath, requested));
        fullPath = RealPath(combined, 0);
        if (IsInside(fullPath))
        {
            error = "";
            return true;
        }

        error = $"Path '{requested}' is outside the demo root ({FullPath}). Use a path relative to the root, without '..' or links leading out of it.";
        return false;
    }

    /// <summary>The path relative to the root, with '/' separators, for display.</summary>
    public string Relative(string fullPath)
    {
        var relative = Path.GetRelativePath(FullPath, fullPath);
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private bool IsInside(string fullPath)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(fullPath, FullPath, comparison) ||
            fullPath.StartsWith(FullPath + Path.DirectorySeparatorChar, comparison) ||
            (FullPath.EndsWith(Path.DirectorySeparatorChar) && fullPath.StartsWith(FullPath, comparison));
    }

    // Path.GetFullPath only normalises text; a symlink inside the root can still point anywhere, so each
    // existing component is replaced by its final link target.
    private static string RealPath(string fullPath, int depth)
    {
        if (depth > MaxLinkDepth)
        {
            return fullPath;
        }

        var prefix = Path.GetPathRoot(fullPath) ?? "";
        var current = prefix;
        var parts = fullPath[prefix.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists && info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                var rest = string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]);
                return RealPath(Path.GetFullPath(Path.Combine(target.FullName, rest)), depth + 1);
            }
        }

        return current;
    }
}
