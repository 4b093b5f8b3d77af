using System.CommandLine;
using Warden.Core.Audit;
using Warden.Core.Audit.Retention;

namespace Warden.Cli.Commands;

/// <summary>
/// Retention: <c>warden audit hold add|list|release</c> (legal holds, each change recorded in the log) and
/// <c>warden audit prune [--dry-run]</c> (remove content past <c>audit.retention</c>, keeping the chain verifiable).
/// </summary>
internal static class AuditRetentionCommands
{
    public static Command Hold() => new("hold", "Legal holds: records they cover are never pruned and a held subject cannot be erased")
    {
        HoldAdd(),
        HoldList(),
        HoldRelease(),
    };

    private static Command HoldAdd()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var subject = new Option<string?>("--subject") { Description = "Hold every record of this data subject" };
        var server = new Option<string?>("--server") { Description = "Hold every record of the servers this glob matches" };
        var session = new Option<string?>("--session") { Description = "Hold every record of this session" };
        var reason = new Option<string>("--reason") { Description = "Why (e.g. the matter or case reference)", Required = true };
        var command = new Command("add", "Place a legal hold on a subject, a server or a session") { subject, server, session, reason, config, data };
        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            var targets = new[] { (AuditHoldKind.Subject, parse.GetValue(subject)), (AuditHoldKind.Server, parse.GetValue(server)), (AuditHoldKind.Session, parse.GetValue(session)) }
                .Where(t => t.Item2 is not null).ToList();
            if (targets.Count != 1 || string.IsNullOrWhiteSpace(targets[0].Item2))
            {
                Console.Error.WriteLine("Give exactly one of --subject S, --server GLOB or --session ID, e.g. `warden audit hold add --subject alice --reason \"matter 2026-14\"`.");
                return AuditLog.UsageError;
            }

            if (string.IsNullOrWhiteSpace(parse.GetValue(reason)))
            {
                Console.Error.WriteLine("--reason must say why the hold is placed (e.g. the matter or case reference).");
                return AuditLog.UsageError;
            }

            using var admin = await AuditAdmin.OpenAsync(parse.GetValue(config), parse.GetValue(data), cancellationToken);
            if (admin is null)
            {
                return AuditLog.UsageError;
            }

            var (kind, target) = targets[0];
            var hold = await admin.Maintenance.AddHoldAsync(kind, target!, parse.GetValue(reason)!, AuditAdmin.Operator, cancellationToken);
            Console.Out.WriteLine($"{hold.Id} placed on {AuditHold.Name(kind)} '{target}' ({hold.Reason}); recorded in the audit log");
            return 0;
        }));
        return command;
    }

    private static Command HoldList()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var all = new Option<bool>("--all") { Description = "Include released holds" };
        var command = new Command("list", "List the legal holds (active ones; --all for released ones too)") { all, config, data };
        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            if (AuditQueryCommands.Open(parse.GetValue(config), parse.GetValue(data)) is not (_, var reader, var reading))
            {
                return AuditLog.UsageError;
            }

            using var keys = reading;
            var holds = await reader.HoldsAsync(keys.Keys, parse.GetValue(all), cancellationToken);
            if (holds.Count == 0)
            {
                Console.Out.WriteLine(parse.GetValue(all) ? "no legal holds" : "no active legal holds");
            }

            foreach (var hold in holds)
            {
                var target = hold.Kind == AuditHoldKind.Subject ? $"{hold.Label} ({hold.Target})" : hold.Target;
                var released = hold.Released is { } at ? $"  released {AuditRecordEncoder.FormatTimestamp(at)} by {hold.ReleasedBy}" : "";
                Console.Out.WriteLine($"{hold.Id}  {AuditHold.Name(hold.Kind)}  {target}  since {AuditRecordEncoder.FormatTimestamp(hold.Created)} by {hold.CreatedBy}  reason: {hold.Reason}{released}");
            }

            return 0;
        }));
        return command;
    }

    private static Command HoldRelease()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var id = new Argument<string>("id") { Description = "The hold's id, as `warden audit hold list` prints it" };
        var reason = new Option<string?>("--reason") { Description = "Why the hold ends" };
        var command = new Command("release", "Release a legal hold (recorded in the audit log)") { id, reason, config, data };
        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            using var admin = await AuditAdmin.OpenAsync(parse.GetValue(config), parse.GetValue(data), cancellationToken);
            if (admin is null)
            {
                return AuditLog.UsageError;
            }

            var released = await admin.Maintenance.ReleaseHoldAsync(parse.GetValue(id)!, parse.GetValue(reason), AuditAdmin.Operator, cancellationToken);
            if (released is null)
            {
                Console.Error.WriteLine($"There is no active legal hold '{parse.GetValue(id)}'; `warden audit hold list --all` shows every hold.");
                return AuditLog.UsageError;
            }

            Console.Out.WriteLine($"{released.Id} released; recorded in the audit log");
            return 0;
        }));
        return command;
    }

    public static Command Prune()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be pruned; change nothing" };
        var vacuum = VacuumOption();
        var command = new Command("prune", "Remove the content of records past audit.retention that no legal hold covers; tombstones keep the log verifiable") { dryRun, vacuum, config, data };
        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            using var admin = await AuditAdmin.OpenAsync(parse.GetValue(config), parse.GetValue(data), cancellationToken);
            if (admin is null)
            {
                return AuditLog.UsageError;
            }

            PruneResult result;
            try
            {
                result = await admin.Maintenance.PruneAsync(RetentionPolicy.From(admin.Config), parse.GetValue(dryRun), AuditAdmin.Operator, cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                Console.Out.WriteLine($"broken: {ex.Message}");
                return AuditLog.Broken;
            }

            var rules = string.Join(", ", result.ByRule.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Value} under {r.Key}"));
            var held = result.Held == 0 ? "" : $"; {result.Held} past retention kept by legal holds";
            if (result.Pruned.IsEmpty)
            {
                Console.Out.WriteLine($"nothing to prune{held}");
            }
            else if (parse.GetValue(dryRun))
            {
                Console.Out.WriteLine($"would prune {result.Pruned.Count} records (seq {result.Pruned}): {rules}{held}");
            }
            else
            {
                Console.Out.WriteLine($"pruned {result.Pruned.Count} records (seq {result.Pruned}): {rules}{held}");
                Console.Out.WriteLine($"  tombstones keep each record's place, hash and leaf hash; recorded as seq {string.Join(", ", result.RecordSeqs)} ({AuditLifecycle.Prune}), checkpoint signed at {result.CheckpointSize}");
            }

            return parse.GetValue(dryRun) ? 0 : await VacuumIfAskedAsync(admin, parse.GetValue(vacuum), cancellationToken);
        }));
        return command;
    }

    public static Option<bool> VacuumOption() => new("--vacuum")
    {
        Description = "Then rewrite the database file (VACUUM), so no stale copy of deleted bytes survives in unused page space; blocks Warden's writes while it runs",
    };

    public static async Task<int> VacuumIfAskedAsync(AuditAdmin admin, bool vacuum, CancellationToken cancellationToken)
    {
        if (vacuum)
        {
            await admin.Maintenance.VacuumAsync(cancellationToken);
            Console.Out.WriteLine($"  vacuumed: {admin.DatabasePath} was rewritten and its write-ahead log truncated");
        }

        return 0;
    }
}
