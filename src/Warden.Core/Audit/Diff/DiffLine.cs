namespace Warden.Core.Audit.Diff;

/// <summary>One line of a line diff: kept, removed from the old text, or added in the new one.</summary>
/// <param name="Op">What happened to the line.</param>
/// <param name="Text">The line, with its line terminator when it had one.</param>
public readonly record struct DiffLine(DiffOp Op, string Text);

/// <summary>What a <see cref="DiffLine"/> does.</summary>
public enum DiffOp
{
    /// <summary>In both texts.</summary>
    Equal,

    /// <summary>Only in the old text.</summary>
    Delete,

    /// <summary>Only in the new text.</summary>
    Insert,
}
