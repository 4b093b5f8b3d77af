using Warden.Core.Audit.Operations;

namespace Warden.Core.Configuration;

/// <summary>
/// One <c>audit.operations</c> rule: tools of servers matching the globs read, write, edit, move files or run
/// commands, with the values at the dotted paths (<c>arguments.a.b</c>, <c>result.structuredContent.x</c>). The
/// session timeline diffs the edits such tools make, and the OCSF export files them as File System or Process
/// Activity. With <see cref="Edits"/> set, <see cref="OldText"/> and <see cref="NewText"/> name the fields of each
/// edit; without it they are dotted paths to one edit's old and new text.
/// </summary>
public sealed record OperationRule(string Server, string Tool, ToolOperationKind Op)
{
    public string? Path { get; init; }

    public string? Content { get; init; }

    public string? Edits { get; init; }

    public string? OldText { get; init; }

    public string? NewText { get; init; }

    public string? Destination { get; init; }

    public string? Command { get; init; }

    public bool Matches(string? server, string? tool) => ExtractRule.Glob(Server, server ?? "") && ExtractRule.Glob(Tool, tool ?? "");
}
