using System.CommandLine;
using Warden.Core.Audit;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit verify|prove|checkpoint|key|query|export|timeline|report</c>: read the audit log <c>serve</c> writes (read-only,
/// safe while it runs) and prove its integrity; <c>forget|hold|prune</c> change its data lifecycle, each change recorded in it.
/// Exit 0 when it holds, 1 when the log is broken, 2 when the command could not run.
/// </summary>
internal static class AuditCommand
{
    public static Command Create() => new("audit", "Verify the tamper-evident audit log and produce proofs for auditors")
    {
        Verify(),
        Prove(),
        CheckpointCommand(),
        Key(),
        AuditQueryCommands.Query(),
        AuditQueryCommands.Export(),
        AuditTimelineCommand.Create(),
        AuditSubjectCommands.Forget(),
        AuditSubjectCommands.Report(),
        AuditRetentionCommands.Hold(),
        AuditRetentionCommands.Prune(),
    };

    private static Command Verify()
    {
        var (config, data, key) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption(), KeyOption());
        var from = new Option<FileInfo?>("--from") { Description = "A signed checkpoint saved earlier (warden audit checkpoint > FILE): prove the log only grew since" };
        var bundle = new Option<FileInfo?>("--bundle") { Description = "Verify an export bundle (warden audit export --bundle) offline, without the database" };
        var command = new Command("verify", "Check every record, the hash chain and the signed checkpoints; report the first broken record") { config, data, key, from, bundle };
        command.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(bundle) is not { } zip)
            {
                return WithLogAsync(parse, config, data, key, log => AuditVerifyAction.RunAsync(log, parse.GetValue(from), cancellationToken));
            }

            if (parse.GetValue(from) is not null)
            {
                Console.Error.WriteLine("--from checks the database against a saved checkpoint; it does not apply to --bundle.");
                return Task.FromResult(AuditLog.UsageError);
            }

            return AuditBundleVerifyAction.RunAsync(zip, parse.GetValue(key) ?? [], cancellationToken);
        });
        return command;
    }

    private static Command Prove()
    {
        var (config, data, key) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption(), KeyOption());
        var record = new Option<string>("--record") { Description = "The record's id", Required = true };
        var command = new Command("prove", "Print a verified JSON inclusion proof of one record against the latest signed checkpoint") { record, config, data, key };
        command.SetAction((parse, cancellationToken) => WithLogAsync(parse, config, data, key, log => AuditProveAction.RunAsync(log, parse.GetValue(record)!, cancellationToken)));
        return command;
    }

    private static Command CheckpointCommand()
    {
        var (config, data, key) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption(), KeyOption());
        var command = new Command("checkpoint", "Print the latest signed checkpoint (save it to check later with verify --from)") { config, data, key };
        command.SetAction((parse, cancellationToken) => WithLogAsync(parse, config, data, key, async log =>
        {
            var notes = await log.Reader.CheckpointsAsync(cancellationToken);
            if (notes.Count == 0)
            {
                Console.Error.WriteLine("The log has no signed checkpoint yet; Warden signs one every audit.checkpointEvery records, audit.checkpointInterval, and at shutdown.");
                return AuditLog.UsageError;
            }

            if (Checkpoint.Open(notes[^1], log.Keys, log.Origin) is { IsVerified: false } opened)
            {
                Console.Out.WriteLine($"broken: the latest checkpoint does not verify ({opened.Problem}); run `warden audit verify`.");
                return AuditLog.Broken;
            }

            Console.Out.Write(notes[^1]);
            return 0;
        }));
        return command;
    }

    private static Command Key()
    {
        var data = WardenEnvironment.DataOption();
        var command = new Command("key", "Print the audit log's public verifier keys (oldest first, the last signs now) for auditors") { data };
        command.SetAction(parse =>
        {
            var directory = WardenEnvironment.DataDirectory(parse.GetValue(data));
            IReadOnlyList<NoteVerifier> keys;
            try
            {
                keys = AuditKeyStore.ReadVerifiers(directory);
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return AuditLog.UsageError;
            }

            if (keys.Count == 0)
            {
                Console.Error.WriteLine($"No audit key in '{directory}' yet: Warden generates one when it first starts with this data directory (--data DIR or WARDEN_HOME).");
                return AuditLog.UsageError;
            }

            // Public keys only: the private key file is never read here.
            foreach (var key in keys)
            {
                Console.Out.WriteLine(key.VerifierKey);
            }

            return 0;
        });
        return command;
    }

    private static Option<string[]> KeyOption() => new("--key")
    {
        Description = "Trust this verifier key (or a file of them, as `warden audit key` prints) instead of the data directory's; repeatable",
    };

    private static Task<int> WithLogAsync(ParseResult parse, Option<FileInfo?> config, Option<DirectoryInfo?> data, Option<string[]> key, Func<AuditLog, Task<int>> action) =>
        AuditLog.RunAsync(() =>
        {
            var log = AuditLog.Open(parse.GetValue(config), parse.GetValue(data), parse.GetValue(key) ?? []);
            return log is null ? Task.FromResult(AuditLog.UsageError) : action(log);
        });
}
