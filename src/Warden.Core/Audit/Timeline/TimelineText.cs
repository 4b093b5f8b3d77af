using System.Globalization;

namespace Warden.Core.Audit.Timeline;

/// <summary>The text form of a <see cref="SessionTimeline"/>: a header, one line per record, diffs indented under the records that made them.</summary>
public static class TimelineText
{
    private const string Indent = "      ";

    public static void Write(TextWriter output, SessionTimeline timeline)
    {
        var (first, end) = timeline.Span();
        var users = string.Join(", ", timeline.Entries.Select(e => e.Record.User.Subject).Distinct(StringComparer.Ordinal));
        var agents = string.Join(", ", timeline.Entries.Select(e => TimelineJson.Agent(e.Record)).OfType<string>().Distinct(StringComparer.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"session {timeline.SessionId}: {timeline.Entries.Count} records, {AuditRecordEncoder.FormatTimestamp(first)} to {AuditRecordEncoder.FormatTimestamp(end)} ({Duration((end - first).Ticks / 10)})"));
        output.WriteLine($"  user {(users.Length == 0 ? "-" : users)}; agent {(agents.Length == 0 ? "-" : agents)}");
        foreach (var entry in timeline.Entries)
        {
            output.WriteLine();
            output.WriteLine(Line(entry));
            if (entry.Operation is { } operation)
            {
                var target = operation.Command ?? (operation.Destination is { } to ? $"{operation.Path} -> {to}" : operation.Path);
                output.WriteLine($"{Indent}{TimelineJson.Name(operation.Kind)} {target}{(entry.Note is { } note ? $" ({note})" : "")}");
            }

            if (entry.Diff is { } diff)
            {
                foreach (var line in diff.TrimEnd('\n').Split('\n'))
                {
                    output.WriteLine(Indent + line);
                }
            }
        }
    }

    private static string Line(TimelineEntry entry)
    {
        var r = entry.Record;
        var what = r.Input.Server is null ? $"{r.Input.Method}{(r.Input.Name is { } n ? " " + n : "")}" : $"{r.Input.Server} {r.Input.Method} {r.Input.Name}".TrimEnd();
        var decision = AuditRecordEncoder.Name(r.Decision.Effect) + (r.Decision.Mode == AuditMode.Monitor ? " (monitor)" : "");
        var rules = r.Decision.RuleIds.Count > 0 ? $" [{string.Join(",", r.Decision.RuleIds)}]" : "";
        var data = r.DataAccessed.Count == 0 ? "" : "  " + string.Join(" ", r.DataAccessed.Select(d => $"{d.Kind}:{d.Value}"));
        var output = entry.Output is { } o ? $"  -> {o}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"+{entry.OffsetMicros / 1e6:0.000}s  {AuditRecordEncoder.FormatTimestamp(r.Timestamp)}  {Duration(r.DurationMicros),9}  seq {r.Seq}  {decision}{rules}  {what}{data}{output}");
    }

    private static string Duration(long micros) => micros switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{micros} µs"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1e3:0.0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{micros / 1e6:0.000} s"),
    };
}
