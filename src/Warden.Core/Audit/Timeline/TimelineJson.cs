using System.Text.Json.Nodes;
using Warden.Core.Audit.Operations;

namespace Warden.Core.Audit.Timeline;

/// <summary>The JSON form of a <see cref="SessionTimeline"/> (<c>warden audit timeline --format json</c> and the API).</summary>
public static class TimelineJson
{
    public static JsonObject ToJson(SessionTimeline timeline)
    {
        var (first, end) = timeline.Span();
        var entries = new JsonArray();
        foreach (var entry in timeline.Entries)
        {
            entries.Add(Entry(entry));
        }

        return new JsonObject
        {
            ["session_id"] = timeline.SessionId,
            ["records"] = timeline.Entries.Count,
            ["first_timestamp"] = timeline.Entries.Count == 0 ? null : AuditRecordEncoder.FormatTimestamp(first),
            ["end_timestamp"] = timeline.Entries.Count == 0 ? null : AuditRecordEncoder.FormatTimestamp(end),
            ["duration_us"] = (end - first).Ticks / 10,
            ["users"] = Strings(timeline.Entries.Select(e => e.Record.User.Subject)),
            ["agents"] = Strings(timeline.Entries.Select(e => Agent(e.Record)).OfType<string>()),
            ["entries"] = entries,
        };
    }

    /// <summary>The agent (client) name and version of a record, e.g. <c>claude-code 2.0.14</c>.</summary>
    public static string? Agent(AuditRecord record) => record.Model?.Agent is { } agent
        ? record.Model.AgentVersion is { } version ? $"{agent} {version}" : agent
        : null;

    /// <summary>The config and text name of an operation kind (read, write, edit, move, mkdir, exec).</summary>
    public static string Name(ToolOperationKind kind) => kind switch
    {
        ToolOperationKind.Read => "read",
        ToolOperationKind.Write => "write",
        ToolOperationKind.Edit => "edit",
        ToolOperationKind.Move => "move",
        ToolOperationKind.CreateDirectory => "mkdir",
        _ => "exec",
    };

    private static JsonObject Entry(TimelineEntry entry)
    {
        var r = entry.Record;
        var data = new JsonArray();
        foreach (var resource in r.DataAccessed)
        {
            data.Add(new JsonObject { ["kind"] = resource.Kind, ["value"] = resource.Value });
        }

        var json = new JsonObject
        {
            ["seq"] = r.Seq,
            ["id"] = r.Id,
            ["timestamp"] = AuditRecordEncoder.FormatTimestamp(r.Timestamp),
            ["offset_us"] = entry.OffsetMicros,
            ["duration_us"] = r.DurationMicros,
            ["source"] = AuditRecordEncoder.Name(r.Source),
            ["method"] = r.Input.Method,
            ["server"] = r.Input.Server,
            ["name"] = r.Input.Name,
            ["user"] = r.User.Subject,
            ["decision"] = new JsonObject
            {
                ["effect"] = AuditRecordEncoder.Name(r.Decision.Effect),
                ["mode"] = AuditRecordEncoder.Name(r.Decision.Mode),
                ["rule_ids"] = Strings(r.Decision.RuleIds),
                ["reason"] = r.Decision.Reason,
            },
            ["data"] = data,
            ["output"] = entry.Output,
            ["error"] = r.Output?.Error,
            ["hash"] = r.Hash,
        };
        if (entry.Operation is { } operation)
        {
            json["operation"] = new JsonObject
            {
                ["kind"] = Name(operation.Kind),
                ["path"] = operation.Path,
                ["destination"] = operation.Destination,
                ["command"] = operation.Command,
            };
        }

        json["diff"] = entry.Diff;
        json["note"] = entry.Note;
        return json;
    }

    private static JsonArray Strings(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var value in values.Distinct(StringComparer.Ordinal))
        {
            array.Add(value);
        }

        return array;
    }
}
