using System.Text;
using Warden.Core.Audit.Diff;
using Warden.Core.Audit.Operations;

namespace Warden.Core.Audit.Timeline;

/// <summary>
/// Follows the files of one session through its records: the last content known for each path (from a whole-file
/// read, a write, or an edit applied to known content) and the diff each write, edit or move made.
/// </summary>
internal sealed class FileChanges
{
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);

    /// <summary>The diff one edit makes on its own, without the file's earlier content (each replacement of its own text).</summary>
    public static string EditDiff(ToolOperation edit) => new FileChanges().Edit(edit, applied: true, notApplied: null).Diff ?? "";

    /// <summary>The diff and its note for <paramref name="operation"/>; <paramref name="applied"/> says whether it changed anything.</summary>
    public (string? Diff, string? Note) Apply(ToolOperation operation, bool applied)
    {
        var notApplied = applied ? null : "not applied (denied or failed): the diff shows what was attempted";
        switch (operation.Kind)
        {
            case ToolOperationKind.Read when applied && !operation.Partial && operation.Content is { } content:
                _known[operation.Path!] = content;
                return (null, null);
            case ToolOperationKind.Write:
                return Write(operation, applied, notApplied);
            case ToolOperationKind.Edit:
                return Edit(operation, applied, notApplied);
            case ToolOperationKind.Move:
                if (applied && _known.Remove(operation.Path!, out var moved))
                {
                    _known[operation.Destination!] = moved;
                }

                return ($"rename from {operation.Path}\nrename to {operation.Destination}\n", notApplied);
            default:
                return (null, null);
        }
    }

    private (string? Diff, string? Note) Write(ToolOperation operation, bool applied, string? notApplied)
    {
        var path = operation.Path!;
        var content = operation.Content ?? "";
        var before = _known.GetValueOrDefault(path);
        if (applied)
        {
            _known[path] = content;
        }

        var diff = UnifiedDiff.Create(before, content, path);
        var note = notApplied ?? (before is null ? "no earlier content of this path in the session: shown as a new file"
            : diff.Length == 0 ? "content unchanged" : null);
        return (diff, note);
    }

    private (string? Diff, string? Note) Edit(ToolOperation operation, bool applied, string? notApplied)
    {
        var path = operation.Path!;
        var dryRun = operation.DryRun ? "dry run: previewed, not applied" : null;
        if (_known.TryGetValue(path, out var before) && TryApply(before, operation.Edits) is { } after)
        {
            if (applied && !operation.DryRun)
            {
                _known[path] = after;
            }

            return (UnifiedDiff.Create(before, after, path), notApplied ?? dryRun);
        }

        // Without the file's content, each edit is shown as the replacement of its own text.
        if (applied && !operation.DryRun)
        {
            _known.Remove(path);
        }

        var diff = new StringBuilder();
        foreach (var edit in operation.Edits)
        {
            var (old, @new) = (edit.OldText, edit.NewText);
            if (!old.EndsWith('\n') && !@new.EndsWith('\n'))
            {
                (old, @new) = (old + "\n", @new + "\n");
            }

            diff.Append(UnifiedDiff.Create(old, @new, path));
        }

        var relative = "the file's earlier content is not in this session's records: line numbers count from the start of each edit's text";
        return (diff.ToString(), string.Join("; ", new[] { notApplied ?? dryRun, relative }.OfType<string>()));
    }

    // The edits applied in order as the edit tools do (first occurrence, or every one); null when one does not match.
    private static string? TryApply(string content, IReadOnlyList<TextEdit> edits)
    {
        var text = content.Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var edit in edits)
        {
            var old = edit.OldText.Replace("\r\n", "\n", StringComparison.Ordinal);
            var @new = edit.NewText.Replace("\r\n", "\n", StringComparison.Ordinal);
            var at = old.Length == 0 ? -1 : text.IndexOf(old, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }

            text = edit.ReplaceAll ? text.Replace(old, @new, StringComparison.Ordinal) : string.Concat(text.AsSpan(0, at), @new, text.AsSpan(at + old.Length));
        }

        return text;
    }
}
