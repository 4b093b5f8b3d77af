using System.CommandLine;
using System.Text.Json;
using Warden.Core.Audit;
using Warden.Core.Audit.Operations;
using Warden.Core.Audit.Timeline;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit timeline --session ID</c>: every record of one agent session in seq order, with offsets from the
/// session's start, durations, decisions, data touched, short outputs and the diffs of the files it changed.
/// </summary>
internal static class AuditTimelineCommand
{
    public static Command Create()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var session = new Option<string>("--session") { Description = "The session id (session_id of its records)", Required = true };
        var format = new Option<string>("--format") { Description = "text (default) or json", DefaultValueFactory = _ => "text" };
        var command = new Command("timeline", "Show one agent session as it happened: every record in order, with the diffs of edited files") { session, format, config, data };
        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            var kind = parse.GetValue(format);
            if (kind is not ("text" or "json"))
            {
                Console.Error.WriteLine($"--format must be text or json, got '{kind}'.");
                return AuditLog.UsageError;
            }

            if (AuditQueryCommands.Open(parse.GetValue(config), parse.GetValue(data)) is not (var settings, var reader, var reading))
            {
                return AuditLog.UsageError;
            }

            using var keys = reading;
            var id = parse.GetValue(session)!;
            var records = new List<AuditRecord>();
            foreach (var stored in await SessionTimeline.LoadAsync(reader.QueryAsync, id, cancellationToken))
            {
                // Shown with personal fields (and content, when sealed too) decrypted, or [erased].
                records.Add(await keys.Sealer.OpenAsync(stored, cancellationToken));
            }

            if (records.Count == 0)
            {
                Console.Error.WriteLine($"No records of session '{id}' in the audit log. Session ids are the session_id of records: "
                    + "find them with `warden audit query --format jsonl` (add --user or --from to narrow it).");
                return AuditLog.UsageError;
            }

            var timeline = SessionTimeline.Build(id, records, new ToolOperations(settings.Audit.Operations));
            if (kind == "json")
            {
                Console.Out.WriteLine(TimelineJson.ToJson(timeline).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                TimelineText.Write(Console.Out, timeline);
            }

            return 0;
        }));
        return command;
    }
}
