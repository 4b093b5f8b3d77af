using Warden.Core.Audit.Operations;

namespace Warden.Core.Audit.Timeline;

/// <summary>One record of a session timeline, with when it happened relative to the session's start and what it did to files.</summary>
public sealed record TimelineEntry
{
    public required AuditRecord Record { get; init; }

    /// <summary>Microseconds from the session's first record to this one's start.</summary>
    public long OffsetMicros { get; init; }

    /// <summary>The first line of the result text (or the error), shortened.</summary>
    public string? Output { get; init; }

    /// <summary>The file or process operation the call performed, when its tool is known.</summary>
    public ToolOperation? Operation { get; init; }

    /// <summary>The unified diff of the file change (or a git-style rename), when there is one.</summary>
    public string? Diff { get; init; }

    /// <summary>What to know when reading <see cref="Diff"/> (not applied, new file, positions relative to the edited text).</summary>
    public string? Note { get; init; }
}
