namespace Warden.Core.Audit.Operations;

/// <summary>A tool call read as a file or process operation (see <see cref="ToolOperations"/>).</summary>
public sealed record ToolOperation
{
    public required ToolOperationKind Kind { get; init; }

    /// <summary>The file or directory (normalised), for every kind but <see cref="ToolOperationKind.Command"/>; the source of a move.</summary>
    public string? Path { get; init; }

    /// <summary>Where a move put the file (normalised).</summary>
    public string? Destination { get; init; }

    /// <summary>The whole content written, or read when the record holds all of it.</summary>
    public string? Content { get; init; }

    /// <summary>True when a read returned only part of the file (head, tail, offset), so <see cref="Content"/> is not the file.</summary>
    public bool Partial { get; init; }

    /// <summary>The replacements of an edit, in order.</summary>
    public IReadOnlyList<TextEdit> Edits { get; init; } = [];

    /// <summary>True when the edit was only previewed (nothing changed on disk).</summary>
    public bool DryRun { get; init; }

    /// <summary>The command line of a command.</summary>
    public string? Command { get; init; }
}
