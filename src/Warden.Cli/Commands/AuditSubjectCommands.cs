using System.CommandLine;
using System.Text.Json;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;
using Warden.Gateway.Hosting;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// The data subject's rights: <c>warden audit forget --subject S</c> (erasure by destroying the subject's key) and
/// <c>warden audit report subject-access --subject S</c> (everything the log holds about them, decrypted, as JSON).
/// </summary>
internal static class AuditSubjectCommands
{
    public static Command Forget()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var subject = new Option<string>("--subject") { Description = "The data subject to erase (their subject id, e.g. the OIDC sub)", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (e.g. the request's reference); recorded in the erasure record" };
        var vacuum = AuditRetentionCommands.VacuumOption();
        var command = new Command("forget", "Erase a data subject: destroy their key, so their personal fields read as [erased]; records stay and verify") { subject, reason, vacuum, config, data };
        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            var who = parse.GetValue(subject)!;
            if (string.IsNullOrWhiteSpace(who))
            {
                Console.Error.WriteLine("--subject must name the data subject to erase.");
                return AuditLog.UsageError;
            }

            using var admin = await AuditAdmin.OpenAsync(parse.GetValue(config), parse.GetValue(data), cancellationToken);
            if (admin is null)
            {
                return AuditLog.UsageError;
            }

            var result = await admin.Maintenance.ForgetAsync(who, parse.GetValue(reason), AuditAdmin.Operator, cancellationToken);
            switch (result.Status)
            {
                case ForgetStatus.NoKey:
                    Console.Out.WriteLine($"nothing to erase: the log holds no key for subject '{who}' (never seen, or already erased).");
                    return 0;
                case ForgetStatus.Held:
                    foreach (var hold in result.Holds)
                    {
                        Console.Error.WriteLine($"Subject '{who}' is under legal hold {hold.Id} ({hold.Reason}); their data must be kept while it applies. "
                            + $"Release it first with `warden audit hold release {hold.Id}` if the hold has ended.");
                    }

                    return AuditLog.UsageError;
            }

            Console.Out.WriteLine($"erased: the key of subject '{who}' is destroyed (pseudonym {result.Pseudonym}); their records stay in the log and verify, "
                + $"and their personal fields now read as {Core.Audit.Privacy.AuditRecordSealer.Erased}.");
            Console.Out.WriteLine($"  recorded as seq {result.Record!.Seq} ({AuditLifecycle.Forget}, naming the pseudonym only), checkpoint signed at {result.CheckpointSize}");
            if (!result.WalTruncated)
            {
                Console.Out.WriteLine("  note: a reader kept the write-ahead log from being truncated now; the next checkpoint of the database clears it.");
            }

            return await AuditRetentionCommands.VacuumIfAskedAsync(admin, parse.GetValue(vacuum), cancellationToken);
        }));
        return command;
    }

    public static Command Report()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var subject = new Option<string>("--subject") { Description = "The data subject (their subject id)", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Write the JSON report to this file (mode 0600) instead of stdout" };
        var access = new Command("subject-access", "Everything the log holds about a data subject (their records decrypted, key creation time, legal holds) as JSON")
        {
            subject, output, config, data,
        };
        access.SetAction((parse, cancellationToken) => AuditLog.RunAsync(() => SubjectAccessAsync(parse.GetValue(config), parse.GetValue(data), parse.GetValue(subject)!, parse.GetValue(output), cancellationToken)));
        return new Command("report", "Reports about the audit log") { access };
    }

    private static async Task<int> SubjectAccessAsync(FileInfo? configFile, DirectoryInfo? data, string subject, FileInfo? output, CancellationToken cancellationToken)
    {
        if (AuditQueryCommands.Open(configFile, data) is not (_, var reader, var reading))
        {
            return AuditLog.UsageError;
        }

        using var keys = reading;
        if (keys.Keys is null)
        {
            Console.Error.WriteLine($"No audit privacy key ({Core.Audit.Privacy.AuditMasterKey.FileName}) in the data directory: personal fields cannot be decrypted here. "
                + "Run this on the Warden host with the data directory `warden serve` uses.");
            return AuditLog.UsageError;
        }

        var key = await keys.Keys.FindAsync(subject, cancellationToken);
        var stream = new MemoryStream();
        var count = 0;
        await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("report", "subject-access");
            json.WriteString("subject", subject);
            json.WriteString("generated", AuditRecordEncoder.FormatTimestamp(DateTimeOffset.UtcNow));
            json.WriteString("pseudonym", key?.Pseudonym);
            json.WriteString("key_created", key is null ? null : AuditRecordEncoder.FormatTimestamp(key.Created));
            json.WriteStartArray("holds");
            foreach (var hold in key is null ? Enumerable.Empty<AuditHold>() : (await reader.HoldsAsync(keys.Keys, includeReleased: true, cancellationToken)).Where(h => h.Kind == AuditHoldKind.Subject && h.Target == key.Pseudonym))
            {
                json.WriteStartObject();
                json.WriteString("id", hold.Id);
                json.WriteString("reason", hold.Reason);
                json.WriteString("created", AuditRecordEncoder.FormatTimestamp(hold.Created));
                json.WriteString("created_by", hold.CreatedBy);
                json.WriteString("released", hold.Released is { } released ? AuditRecordEncoder.FormatTimestamp(released) : null);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("records");
            if (key is not null)
            {
                await foreach (var stored in reader.SubjectRecordsAsync(key.Pseudonym, cancellationToken))
                {
                    json.WriteRawValue(AuditRecordEncoder.Encode(await keys.Sealer.OpenAsync(stored, cancellationToken)));
                    count++;
                }
            }

            json.WriteEndArray();
            json.WriteNumber("record_count", count);
            json.WriteString("note", key is null
                ? "The log holds no key for this subject: it never recorded them, or they were erased (their records read as [erased])."
                : "Records where the subject acted or was acted for, with their sealed fields decrypted; pruned records hold no content and are not listed.");
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        if (output is null)
        {
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(stream.ToArray(), cancellationToken);
            return 0;
        }

        // The report is personal data: only its owner may read it.
        File.Delete(output.FullName);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(output.FullName, options))
        {
            await file.WriteAsync(stream.ToArray(), cancellationToken);
        }

        Console.Out.WriteLine($"wrote the subject-access report for '{subject}' to {output.FullName}: {count} record(s){(key is null ? " (the log holds no key for this subject)" : "")}");
        return 0;
    }
}
