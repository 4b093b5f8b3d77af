using Warden.Core.Audit.Operations;

namespace Warden.Core.Audit.Timeline;

/// <summary>Every record of one agent session in seq order, with offsets from the session's start and the diffs of the files it changed.</summary>
public sealed record SessionTimeline(string SessionId, IReadOnlyList<TimelineEntry> Entries)
{
    private const int MaxOutputChars = 120;

    /// <summary>The session's records, oldest first, read a page at a time through <paramref name="query"/> (a store's or reader's QueryAsync).</summary>
    public static async Task<IReadOnlyList<AuditRecord>> LoadAsync(Func<AuditQuery, CancellationToken, Task<AuditPage>> query, string sessionId, CancellationToken cancellationToken)
    {
        var records = new List<AuditRecord>();
        long? before = null;
        do
        {
            var page = await query(new AuditQuery { Session = sessionId, Before = before, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
            records.AddRange(page.Records);
            before = page.NextCursor;
        }
        while (before is not null);

        records.Reverse();
        return records;
    }

    /// <summary>The timeline of <paramref name="records"/> (one session's, in seq order); <paramref name="operations"/> says which tools touch files.</summary>
    public static SessionTimeline Build(string sessionId, IReadOnlyList<AuditRecord> records, ToolOperations operations)
    {
        var files = new FileChanges();
        var entries = new List<TimelineEntry>(records.Count);
        var start = records.Count > 0 ? records[0].Timestamp : default;
        foreach (var record in records)
        {
            var operation = operations.Classify(record);
            var (diff, note) = operation is null ? (null, null) : files.Apply(operation, Applied(record));
            entries.Add(new TimelineEntry
            {
                Record = record,
                OffsetMicros = (record.Timestamp - start).Ticks / 10,
                Output = Summary(record),
                Operation = operation,
                Diff = record.Output?.Diff ?? (string.IsNullOrEmpty(diff) ? null : diff),
                Note = note,
            });
        }

        return new SessionTimeline(sessionId, entries);
    }

    /// <summary>The session's span: its first record's start to the latest end of any record.</summary>
    public (DateTimeOffset First, DateTimeOffset End) Span() => Entries.Count == 0
        ? default
        : (Entries[0].Record.Timestamp, Entries.Max(e => e.Record.Timestamp.AddTicks(e.Record.DurationMicros * 10)));

    // A denial in monitor mode was only recorded: the call went ahead. A call that failed changed nothing we can show.
    private static bool Applied(AuditRecord record) =>
        (record.Decision.Effect == AuditEffect.Allow || record.Decision.Mode == AuditMode.Monitor) && record.Output?.Error is null;

    private static string? Summary(AuditRecord record)
    {
        if (record.Output is not { } output)
        {
            return null;
        }

        // A tool that reported an error (isError) says what went wrong in its content.
        var resultText = ToolOperations.ResultText(ToolOperations.Result(record with { Output = output with { Error = null } }));
        var text = output.Error is { } error ? "error: " + (resultText ?? error) : resultText ?? output.Content;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var line = text.AsSpan().TrimStart();
        var newline = line.IndexOfAny('\r', '\n');
        var first = (newline >= 0 ? line[..newline] : line).TrimEnd().ToString();
        var more = newline >= 0 || output.Truncated;
        if (first.Length > MaxOutputChars)
        {
            var cut = char.IsHighSurrogate(first[MaxOutputChars - 1]) ? MaxOutputChars - 1 : MaxOutputChars;
            (first, more) = (first[..cut], true);
        }

        return more ? first + "…" : first;
    }
}
