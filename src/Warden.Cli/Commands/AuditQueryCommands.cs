using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Warden.Core.Audit;
using Warden.Core.Audit.Ocsf;
using Warden.Core.Audit.Operations;
using Warden.Core.Configuration;
using Warden.Gateway.Api;
using Warden.Gateway.Hosting;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit query</c> (the filters of <c>GET /api/v1/audit</c>, one line per record) and <c>warden audit
/// export</c> (the whole log in seq order, as canonical JSON lines that verify, CSV for spreadsheets, or OCSF events for a SIEM).
/// Both open the database read-only.
/// </summary>
internal static class AuditQueryCommands
{
    // One event per line, non-ASCII kept as UTF-8 (the default escaping would turn every '<' and 'é' into \uXXXX).
    private static readonly JsonSerializerOptions OcsfJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Filters = ["user", "role", "server", "tool", "method", "resource", "decision", "source", "session", "from", "to", "q", "cursor", "limit"];

    public static Command Query()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var options = Filters.ToDictionary(f => f, f => new Option<string?>("--" + f) { Description = Describe(f) });
        var format = new Option<string>("--format") { Description = "table (default) or jsonl (canonical records)", DefaultValueFactory = _ => "table" };
        var command = new Command("query", "Find audit records: who did what, to which data, when (newest first)") { config, data, format };
        foreach (var option in options.Values)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var parameters = new QueryCollection(options.Where(o => parse.GetValue(o.Value) is not null).ToDictionary(o => o.Key, o => new StringValues(parse.GetValue(o.Value))));
            if (AuditApi.ProblemOf(parameters) is { } problem)
            {
                Console.Error.WriteLine(problem.Replace("parameter", "option", StringComparison.Ordinal));
                return AuditLog.UsageError;
            }

            if (parse.GetValue(format) is not ("table" or "jsonl"))
            {
                Console.Error.WriteLine($"--format must be table or jsonl, got '{parse.GetValue(format)}'.");
                return AuditLog.UsageError;
            }

            if (Open(parse.GetValue(config), parse.GetValue(data)) is not (_, var reader, var reading))
            {
                return AuditLog.UsageError;
            }

            using var keys = reading;
            // Records name subjects by pseudonym: --user alice looks hers up, and what is found is shown decrypted.
            var page = await reader.QueryAsync(await keys.Sealer.ResolveAsync(AuditApi.Parse(parameters)!, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var stored in page.Records)
            {
                var record = await keys.Sealer.OpenAsync(stored, cancellationToken);
                Console.Out.WriteLine(parse.GetValue(format) == "jsonl" ? Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record)) : Line(record));
            }

            if (page.NextCursor is { } next)
            {
                Console.Error.WriteLine($"more: add --cursor {next.ToString(CultureInfo.InvariantCulture)} for the next page");
            }

            return 0;
        });
        return command;
    }

    public static Command Export()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var format = new Option<string>("--format") { Description = "jsonl (canonical records, verifiable), csv, or ocsf (one OCSF 1.8.0 event per line)", DefaultValueFactory = _ => "jsonl" };
        var fromSeq = new Option<long>("--from-seq") { Description = "Start at this record (default 1)", DefaultValueFactory = _ => 1 };
        var bundle = new Option<FileInfo?>("--bundle") { Description = "Write a zip an auditor verifies offline (records, checkpoints, keys, proofs, manifest, README) instead of printing" };
        var decrypt = new Option<bool>("--decrypt") { Description = "jsonl: personal fields decrypted (or [erased]) instead of the stored, verifiable form" };
        var options = Filters.Where(f => f is not ("cursor" or "limit")).ToDictionary(f => f, f => new Option<string?>("--" + f) { Description = Describe(f) });
        var command = new Command("export", "Write the audit log (or the records the filters select) in seq order, to stdout or as a verifiable bundle") { config, data, format, fromSeq, bundle, decrypt };
        foreach (var option in options.Values)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => AuditLog.RunAsync(async () =>
        {
            var selected = options.Where(o => parse.GetValue(o.Value) is not null).ToDictionary(o => o.Key, o => parse.GetValue(o.Value)!, StringComparer.Ordinal);
            var parameters = new QueryCollection(selected.ToDictionary(p => p.Key, p => new StringValues(p.Value)));
            if (AuditApi.ProblemOf(parameters) is { } problem)
            {
                Console.Error.WriteLine(problem.Replace("parameter", "option", StringComparison.Ordinal));
                return AuditLog.UsageError;
            }

            if (Open(parse.GetValue(config), parse.GetValue(data)) is not (var settings, var reader, var reading))
            {
                return AuditLog.UsageError;
            }

            using var keys = reading;
            // Records name subjects by pseudonym: --user alice selects hers.
            var filter = selected.Count > 0 ? await keys.Sealer.ResolveAsync(AuditApi.Parse(parameters)!, cancellationToken) : null;
            if (parse.GetValue(bundle) is { } zip)
            {
                if (parse.GetResult(format) is { Implicit: false })
                {
                    Console.Error.WriteLine("--bundle writes the records as stored (canonical JSON lines) with their proofs; leave out --format.");
                    return AuditLog.UsageError;
                }

                if (AuditLog.Open(parse.GetValue(config), parse.GetValue(data), []) is not { } log)
                {
                    return AuditLog.UsageError;
                }

                if (parse.GetValue(fromSeq) > 1)
                {
                    selected["from-seq"] = parse.GetValue(fromSeq).ToString(CultureInfo.InvariantCulture);
                }

                return await AuditBundleExport.RunAsync(log, zip.FullName, filter, selected, parse.GetValue(fromSeq), cancellationToken);
            }

            var kind = parse.GetValue(format);
            if (kind is not ("jsonl" or "csv" or "ocsf"))
            {
                Console.Error.WriteLine($"--format must be jsonl, csv or ocsf, got '{kind}'.");
                return AuditLog.UsageError;
            }

            var ocsf = new OcsfMapper(new ToolOperations(settings.Audit.Operations), WardenEnvironment.Version);
            var output = Console.Out;
            if (kind == "csv")
            {
                output.WriteLine("seq,id,timestamp,source,user,roles,auth_method,agent,server,method,name,effect,rule_ids,reason,error,data_accessed,duration_us,session_id,hash");
            }

            // jsonl writes the stored bytes themselves, so a line verifies exactly as the log does; people (and SIEMs)
            // read CSV and OCSF, so those show personal fields decrypted (or [erased]), as jsonl does with --decrypt.
            var raw = kind == "jsonl" && !parse.GetValue(decrypt);
            await foreach (var row in reader.ReadStoredAsync(filter, parse.GetValue(fromSeq), long.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                if (raw)
                {
                    output.WriteLine(Encoding.UTF8.GetString(row.Json));
                    continue;
                }

                var record = await keys.Sealer.OpenAsync(SqliteAuditReader.Decode(row.Seq, row.Json), cancellationToken);
                if (kind == "ocsf" && record.Pruned is not null)
                {
                    // Nothing of the action is left to describe as an event.
                    continue;
                }

                output.WriteLine(kind switch
                {
                    "jsonl" => Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record)),
                    "ocsf" => ocsf.Map(record).ToJsonString(OcsfJson),
                    _ => Csv(record),
                });
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The configuration, a read-only reader of its log and the keys to open its sealed fields; null (the reason on
    /// stderr) when any cannot be had.
    /// </summary>
    internal static (WardenConfig Config, SqliteAuditReader Reader, AuditReading Keys)? Open(FileInfo? configFile, DirectoryInfo? data)
    {
        if (WardenEnvironment.LocateAuditLog(configFile, data, "cannot read the audit log") is not (var config, var directory, var path))
        {
            return null;
        }

        return AuditReading.Open(directory, path) is { } keys ? (config, SqliteAuditReader.OpenReadOnly(path), keys) : null;
    }

    private static string Line(AuditRecord r) => r.Pruned is { } pruned
        ? string.Join("  ", Timestamp(r), $"[pruned {AuditRecordEncoder.FormatTimestamp(pruned.At)}]", "id=" + r.Id)
        : string.Join("  ",
        Timestamp(r),
        r.User.Subject,
        r.Decision.Effect.ToString().ToLowerInvariant(),
        r.Input.Server is null ? r.Input.Method : $"{r.Input.Server} {r.Input.Method} {r.Input.Name}",
        r.DataAccessed.Count == 0 ? "-" : string.Join(",", r.DataAccessed.Select(d => $"{d.Kind}:{d.Value}")),
        r.Output?.Error is { } error ? "error: " + error : "ok",
        "id=" + r.Id);

    private static string Csv(AuditRecord r) => r.Pruned is not null
        ? string.Join(",", new[] { r.Seq.ToString(CultureInfo.InvariantCulture), r.Id, Timestamp(r), "pruned" }.Concat(Enumerable.Repeat("", 14)).Append(r.Hash).Select(CsvField))
        : string.Join(",", new[]
    {
        r.Seq.ToString(CultureInfo.InvariantCulture), r.Id, Timestamp(r), r.Source.ToString().ToLowerInvariant(), r.User.Subject, string.Join(";", r.User.Roles),
        r.User.AuthMethod, r.Model?.Agent, r.Input.Server, r.Input.Method, r.Input.Name, r.Decision.Effect.ToString().ToLowerInvariant(),
        string.Join(";", r.Decision.RuleIds), r.Decision.Reason, r.Output?.Error, string.Join(";", r.DataAccessed.Select(d => $"{d.Kind}:{d.Value}")),
        r.DurationMicros.ToString(CultureInfo.InvariantCulture), r.SessionId, r.Hash,
    }.Select(CsvField));

    // RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula.
    private static string CsvField(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string Timestamp(AuditRecord r) => AuditRecordEncoder.FormatTimestamp(r.Timestamp);

    private static string Describe(string filter) => filter switch
    {
        "user" => "A subject: what they did, and what service accounts did on their behalf",
        "resource" => "Data touched, kind:glob (table:customers*, column:customers.email, file:**/.env, host:*.example.com)",
        "server" or "tool" => $"The {filter} (glob)",
        "decision" => "allow or deny",
        "source" => "mcp, hook, llm, admin or auth",
        "from" or "to" => $"Records {(filter == "from" ? "at or after" : "before")} this ISO 8601 time",
        "q" => "Free text anywhere in the record",
        "cursor" => "The cursor printed after the previous page",
        "limit" => "Records per page (1-1000, default 100)",
        _ => $"The {filter} (exact)",
    };
}
