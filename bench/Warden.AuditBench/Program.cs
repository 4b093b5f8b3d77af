using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Warden.AuditBench;
using Warden.Core.Audit;
using Warden.Core.Configuration;
using Warden.Storage.Sqlite;

// warden-auditbench: the audit store's own figures (issue #3's targets): durable append throughput with group
// commit, verify speed, and the "who accessed table X in the last 30 days" query over a large log. Each run
// works in a fresh temporary directory, deleted afterwards unless --keep is given.
var appenders = new Option<string>("--appenders") { Description = "Comma-separated counts of concurrent appenders.", DefaultValueFactory = _ => "1,16,64,256" };
var seconds = new Option<int>("--seconds") { Description = "Measured seconds per appender count.", DefaultValueFactory = _ => 5 };
var mix = new Option<SampleRecords.Mix>("--mix") { Description = "Record sizes: Small (~300 B outputs) or E2e (20% 16 KB outputs).", DefaultValueFactory = _ => SampleRecords.Mix.Small };
var durability = new Option<AuditDurability>("--durability") { Description = "Sync (wait for the commit) or Batched.", DefaultValueFactory = _ => AuditDurability.Sync };
var records = new Option<int>("--records") { Description = "Records in the log to verify or query.", DefaultValueFactory = _ => 1_000_000 };
var database = new Option<string?>("--database") { Description = "Reuse (or keep) this database file instead of a temporary one." };

var append = new Command("append", "Durable appends per second and CPU per append, per appender count.") { appenders, seconds, mix, durability };
append.SetAction(async (parse, ct) =>
{
    var levels = parse.GetValue(appenders)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    Console.WriteLine($"| appenders | mix | durability | appends/s | CPU µs/append | p50 ms | p99 ms |");
    Console.WriteLine("|--:|---|---|--:|--:|--:|--:|");
    foreach (var level in levels)
    {
        using var scratch = new ScratchDirectory(null);
        await using var store = await Bench.OpenAsync(scratch.DatabasePath, parse.GetValue(durability), ct);
        var result = await Bench.AppendAsync(store, level, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(mix), ct);
        Console.WriteLine($"| {level} | {parse.GetValue(mix)} | {parse.GetValue(durability)} | {result.PerSecond:F0} | {result.CpuMicrosPerAppend:F1} | {result.P50:F3} | {result.P99:F3} |");
    }

    return 0;
});

var verify = new Command("verify", "Builds a log of --records records, then verifies it as `warden audit verify` does.") { records, mix, database };
verify.SetAction(async (parse, ct) =>
{
    using var scratch = new ScratchDirectory(parse.GetValue(database));
    // The key is kept beside the database (as Warden keeps its own), so a reused log's checkpoints still verify.
    using var keys = new AuditKeyStore(Path.GetDirectoryName(scratch.DatabasePath)!, "bench.warden.local", TimeProvider.System);
    var signer = keys.GetSigner();
    await Bench.FillAsync(scratch.DatabasePath, signer, parse.GetValue(records), parse.GetValue(mix), ct);
    var reader = SqliteAuditReader.OpenReadOnly(scratch.DatabasePath);
    // Rounds alternate the two ways, so both see the same machine: stored bytes (`warden audit verify`) and, as the
    // baseline, decoding every record and re-encoding it canonically (the way a bundle's records are checked).
    for (var round = 1; round <= 6; round++)
    {
        var decode = round % 2 == 0;
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var notes = await reader.CheckpointsAsync(ct);
        var verifier = new AuditVerifier(keys.GetVerifiers());
        var result = decode
            ? await verifier.VerifyAsync(reader.ReadAsync(1, ct), notes, ct)
            : await verifier.VerifyStoredAsync(reader.ReadEncodedAsync(1, ct), notes, ct);
        clock.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"verify round {round} ({(decode ? "decode + re-encode" : "stored bytes")}): {(result.IsIntact ? "intact" : "BROKEN " + result.Problem)}, "
            + $"{result.RecordsVerified} records in {clock.Elapsed.TotalSeconds:F2} s = {result.RecordsVerified / clock.Elapsed.TotalSeconds:F0} records/s (CPU {used.TotalSeconds:F2} s)");
    }

    return 0;
});

var query = new Command("query", "Builds a log of --records records over 180 days, then times 'who accessed table:customers in the last 30 days'.") { records, database };
query.SetAction(async (parse, ct) =>
{
    using var scratch = new ScratchDirectory(parse.GetValue(database));
    using var keys = new AuditKeyStore(Path.GetDirectoryName(scratch.DatabasePath)!, "bench.warden.local", TimeProvider.System);
    var end = await Bench.FillAsync(scratch.DatabasePath, keys.GetSigner(), parse.GetValue(records), SampleRecords.Mix.Small, ct);
    var reader = SqliteAuditReader.OpenReadOnly(scratch.DatabasePath);
    var questions = new (string Name, AuditQuery Query)[]
    {
        ("table:public.customers, last 30 days, first page", new AuditQuery { Resource = "table:public.customers", From = end.AddDays(-30), Limit = 100 }),
        ("table:*customers*, last 30 days, first page", new AuditQuery { Resource = "table:*customers*", From = end.AddDays(-30), Limit = 100 }),
        ("user user042, last 30 days, first page", new AuditQuery { User = "user042", From = end.AddDays(-30), Limit = 100 }),
        ("server postgres, tool query, denied", new AuditQuery { Server = "postgres", Tool = "query", Decision = AuditEffect.Deny, Limit = 100 }),
    };
    Console.WriteLine("| question | records returned | median ms (of 7) | max ms |");
    Console.WriteLine("|---|--:|--:|--:|");
    foreach (var (name, question) in questions)
    {
        var times = new List<double>();
        var count = 0;
        for (var i = 0; i < 7; i++)
        {
            var clock = Stopwatch.StartNew();
            var page = await reader.QueryAsync(question, ct);
            times.Add(clock.Elapsed.TotalMilliseconds);
            count = page.Records.Count;
        }

        times.Sort();
        Console.WriteLine($"| {name} | {count} | {times[3]:F1} | {times[^1]:F1} |");
    }

    return 0;
});

var root = new RootCommand("Benchmarks of Warden's SQLite audit store.") { append, verify, query };
return await root.Parse(args).InvokeAsync();

namespace Warden.AuditBench
{
    internal readonly record struct AppendFigures(double PerSecond, double CpuMicrosPerAppend, double P50, double P99);

    internal static class Bench
    {
        public static Task<SqliteAuditStore> OpenAsync(string path, AuditDurability durability, CancellationToken ct)
        {
            var signer = NoteSigner.Generate("bench.warden.local");
            return SqliteAuditStore.OpenAsync(path, new SqliteAuditStoreOptions { Origin = "bench.warden.local/audit", Signer = () => signer, Durability = durability }, null, ct);
        }

        public static async Task<AppendFigures> AppendAsync(SqliteAuditStore store, int appenders, TimeSpan duration, SampleRecords.Mix mix, CancellationToken ct)
        {
            // One second of warm-up, then the measured window.
            await RunAsync(store, appenders, TimeSpan.FromSeconds(1), mix, null, ct);
            var latencies = new List<double>[appenders];
            for (var i = 0; i < appenders; i++)
            {
                latencies[i] = new List<double>(4096);
            }

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var appended = await RunAsync(store, appenders, duration, mix, latencies, ct);
            var elapsed = clock.Elapsed;
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            return new AppendFigures(appended / elapsed.TotalSeconds, used.TotalMicroseconds / appended, all[all.Length / 2], all[(int)(all.Length * 0.99)]);
        }

        private static async Task<long> RunAsync(SqliteAuditStore store, int appenders, TimeSpan duration, SampleRecords.Mix mix, List<double>[]? latencies, CancellationToken ct)
        {
            long next = 0;
            var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var workers = Enumerable.Range(0, appenders).Select(w => Task.Run(async () =>
            {
                long done = 0;
                while (Stopwatch.GetTimestamp() < stopAt)
                {
                    var n = Interlocked.Increment(ref next);
                    var started = Stopwatch.GetTimestamp();
                    var result = await store.AppendAsync(SampleRecords.Create(n, DateTimeOffset.UtcNow, mix), ct);
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException(result.Error);
                    }

                    latencies?[w].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    done++;
                }

                return done;
            }, ct)).ToArray();
            return (await Task.WhenAll(workers)).Sum();
        }

        /// <summary>Appends <paramref name="count"/> records spread evenly over the 180 days before now; returns the last timestamp.</summary>
        public static async Task<DateTimeOffset> FillAsync(string path, NoteSigner signer, int count, SampleRecords.Mix mix, CancellationToken ct)
        {
            var end = DateTimeOffset.UtcNow;
            var start = end.AddDays(-180);
            var step = (end - start) / count;
            await using var store = await SqliteAuditStore.OpenAsync(path, new SqliteAuditStoreOptions
            {
                Origin = "bench.warden.local/audit",
                Signer = () => signer,
                Durability = AuditDurability.Sync,
                CheckpointEvery = 10_000,
            }, null, ct);
            var existing = await store.Reader.CountAsync(ct);
            if (existing >= count)
            {
                Console.WriteLine($"reusing {existing} records in {path}");
                await CatchUpAsync(store, ct);
                return end;
            }

            var clock = Stopwatch.StartNew();
            long next = existing;
            const int Appenders = 256;
            var workers = Enumerable.Range(0, Appenders).Select(_ => Task.Run(async () =>
            {
                long n;
                while ((n = Interlocked.Increment(ref next)) <= count)
                {
                    var result = await store.AppendAsync(SampleRecords.Create(n, start + step * n, mix), ct);
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException(result.Error);
                    }
                }
            }, ct)).ToArray();
            await Task.WhenAll(workers);
            Console.WriteLine($"filled {count - existing} records in {clock.Elapsed.TotalSeconds:F1} s ({(count - existing) / clock.Elapsed.TotalSeconds:F0}/s, {Appenders} appenders)");
            await CatchUpAsync(store, ct);
            return end;
        }

        // Queries are measured in the steady state, with the query index caught up (the indexer may lag a fill
        // that saturates the machine; what it has not reached, queries scan).
        private static async Task CatchUpAsync(SqliteAuditStore store, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            await store.CatchUpIndexAsync(ct);
            Console.WriteLine($"query index caught up in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    internal sealed class ScratchDirectory : IDisposable
    {
        private readonly string? _temporary;

        public ScratchDirectory(string? databasePath)
        {
            if (databasePath is not null)
            {
                DatabasePath = Path.GetFullPath(databasePath);
                return;
            }

            _temporary = Directory.CreateTempSubdirectory("warden-auditbench-").FullName;
            DatabasePath = Path.Combine(_temporary, "audit.db");
        }

        public string DatabasePath { get; }

        public void Dispose()
        {
            if (_temporary is not null)
            {
                Directory.Delete(_temporary, recursive: true);
            }
        }
    }
}
