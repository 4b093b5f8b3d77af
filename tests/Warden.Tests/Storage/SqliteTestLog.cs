using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Storage.Sqlite;

namespace Warden.Tests.Storage;

/// <summary>
/// A real audit log in a temporary data directory, written through <see cref="SqliteAuditStore"/> with signed
/// checkpoints, plus the raw SQL an attacker with access to the file would use on it.
/// </summary>
internal sealed class SqliteTestLog : IDisposable
{
    public const string Origin = "warden.test/audit";

    private SqliteTestLog(string directory) => Directory = directory;

    public string Directory { get; }

    public string Database => Path.Combine(Directory, "warden.db");

    /// <summary>The query index file beside the log.</summary>
    public string IndexFile => Path.Combine(Directory, "warden.index.db");

    /// <summary>The records as the store placed them, seq 1 first.</summary>
    public List<AuditRecord> Records { get; } = [];

    /// <summary>A log of <paramref name="count"/> records with a checkpoint every <paramref name="checkpointEvery"/> and one at shutdown.</summary>
    public static async Task<SqliteTestLog> CreateAsync(int count = 12, int checkpointEvery = 5)
    {
        var log = new SqliteTestLog(System.IO.Directory.CreateTempSubdirectory("warden-audit-cli-").FullName);
        await log.AppendAsync(count, checkpointEvery);
        return log;
    }

    /// <summary>Opens the store again, appends <paramref name="count"/> more records, and shuts it down (which signs a checkpoint).</summary>
    public async Task AppendAsync(int count, int checkpointEvery = 5)
    {
        using var keys = Keys();
        await using var store = await OpenStoreAsync(keys, checkpointEvery);
        for (var i = 0; i < count; i++)
        {
            var result = await store.AppendAsync(Record(Records.Count + 1), CancellationToken.None);
            Records.Add(result.Record ?? throw new InvalidOperationException(result.Error));
        }
    }

    public Task<SqliteAuditStore> OpenStoreAsync(AuditKeyStore keys, int checkpointEvery = 5, Func<AuditRecord, CancellationToken, ValueTask<AuditRecord>>? seal = null) =>
        SqliteAuditStore.OpenAsync(Database, new SqliteAuditStoreOptions
        {
            CheckpointEvery = checkpointEvery,
            CheckpointInterval = TimeSpan.FromHours(1),
            Origin = Origin,
            Signer = keys.GetSigner,
            Seal = seal,
        });

    /// <summary>
    /// A log of <paramref name="records"/> written as <c>warden serve</c> writes them: personal fields sealed per data
    /// subject under the directory's privacy key (content too with <paramref name="encryptContent"/>).
    /// </summary>
    public static async Task<SqliteTestLog> CreateSealedAsync(IEnumerable<AuditRecord> records, bool encryptContent = false, int checkpointEvery = 5)
    {
        var log = new SqliteTestLog(System.IO.Directory.CreateTempSubdirectory("warden-audit-cli-").FullName);
        await log.AppendSealedAsync(records, encryptContent, checkpointEvery);
        return log;
    }

    /// <summary>Opens the store again with sealing on, appends <paramref name="records"/>, and shuts it down (which signs a checkpoint).</summary>
    public async Task AppendSealedAsync(IEnumerable<AuditRecord> records, bool encryptContent = false, int checkpointEvery = 5)
    {
        using var keys = Keys();
        using var master = AuditMasterKey.LoadOrCreate(Directory);
        // The key table opens lazily: the store below creates it before the first record is sealed.
        using var subjects = SqliteSubjectKeyStore.Open(Database, master, TimeProvider.System);
        var sealer = new AuditRecordSealer(subjects);
        await using var sealing = await OpenStoreAsync(keys, checkpointEvery, (record, ct) => sealer.SealAsync(record, encryptContent, ct));
        foreach (var record in records)
        {
            var result = await sealing.AppendAsync(record, CancellationToken.None);
            Records.Add(result.Record ?? throw new InvalidOperationException(result.Error));
        }
    }

    /// <summary>A record by <paramref name="subject"/> (with a display name) through <paramref name="server"/> at <paramref name="timestamp"/>.</summary>
    public static AuditRecord PersonRecord(int n, string subject, DateTimeOffset timestamp, string server = "web", string? session = null) => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        Timestamp = timestamp,
        Source = AuditSource.Mcp,
        SessionId = session ?? "sess-1",
        Input = new AuditInput { Method = "tools/call", Server = server, Name = "lookup", Arguments = new JsonObject { ["query"] = Marker(n) } },
        Output = AuditOutput.FromContent($"result {Marker(n)}", 1000),
        DataAccessed = [new AuditResource { Kind = AuditResourceKind.File, Value = $"/srv/{Marker(n)}.txt" }],
        User = new AuditUserIdentity { Subject = subject, DisplayName = $"{subject} Example", Roles = ["developer"], AuthMethod = "oidc" },
        Decision = new AuditDecision { Effect = AuditEffect.Allow, RuleIds = ["allow-all"] },
    };

    /// <summary>The database file and its WAL, as bytes: everything SQLite has on disk.</summary>
    public byte[] RawBytes()
    {
        var wal = Database + "-wal";
        return [.. File.ReadAllBytes(Database), .. File.Exists(wal) ? File.ReadAllBytes(wal) : []];
    }

    /// <summary>The first column of the first row <paramref name="sql"/> returns, read-only.</summary>
    public object? Scalar(string sql, Action<SqliteCommand>? bind = null)
    {
        using var connection = new SqliteConnection($"Data Source={Database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind?.Invoke(command);
        return command.ExecuteScalar();
    }

    public AuditKeyStore Keys() => new(Directory, Origin, TimeProvider.System);

    /// <summary>Record n: a command naming a marker (<c>secret-000n</c>) that occurs nowhere else in the file.</summary>
    public static AuditRecord Record(int n) => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        Timestamp = new DateTimeOffset(2025, 11, 24, 9, 30, 0, TimeSpan.Zero).AddSeconds(n),
        Source = AuditSource.Hook,
        SessionId = "sess-1",
        Input = new AuditInput { Method = "Bash", Arguments = new JsonObject { ["command"] = $"cat {Marker(n)}.txt" } },
        User = new AuditUserIdentity { Subject = "alice", Roles = ["developer"], AuthMethod = "oidc" },
        Decision = new AuditDecision { Effect = AuditEffect.Allow, Mode = AuditMode.Enforce, RuleIds = ["allow-all"] },
    };

    public static string Marker(int n) => $"secret-{n:D4}";

    /// <summary>Runs <paramref name="sql"/> on the file after dropping the append-only triggers, as an attacker with file access would.</summary>
    public void Tamper(string sql, Action<SqliteCommand>? bind = null)
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            DROP TRIGGER IF EXISTS audit_records_append_only_update;
            DROP TRIGGER IF EXISTS audit_records_append_only_delete;
            DROP TRIGGER IF EXISTS audit_checkpoints_append_only_update;
            DROP TRIGGER IF EXISTS audit_checkpoints_append_only_delete;
            """ + sql;
        bind?.Invoke(command);
        command.ExecuteNonQuery();
    }

    /// <summary>Replaces the rows from <paramref name="fromSeq"/> on with <paramref name="records"/>.</summary>
    public void ReplaceRows(long fromSeq, IEnumerable<AuditRecord> records)
    {
        Tamper($"DELETE FROM audit_records WHERE seq >= {fromSeq};");
        InsertRows(records);
    }

    /// <summary>Inserts rows for <paramref name="records"/> at their seq (all columns, as the store writes them).</summary>
    public void InsertRows(IEnumerable<AuditRecord> records)
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        foreach (var record in records)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO audit_records (seq, id, ts, source, subject, roles, method, effect, record, leaf_hash, hash)
                VALUES ($seq, $id, '2025-11-24T09:30:00.000000Z', 'hook', 'alice', '|developer|', 'Bash', 'allow', $record, $leaf, $hash)
                """;
            insert.Parameters.AddWithValue("$seq", record.Seq);
            insert.Parameters.AddWithValue("$id", record.Id);
            insert.Parameters.AddWithValue("$record", AuditRecordEncoder.Encode(record));
            insert.Parameters.AddWithValue("$leaf", MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record)));
            insert.Parameters.AddWithValue("$hash", record.Hash);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Adds a checkpoint row with <paramref name="note"/>.</summary>
    public void InsertCheckpoint(long treeSize, string note) =>
        Tamper("INSERT INTO audit_checkpoints (tree_size, created, note) VALUES ($size, '2025-11-24T10:00:00.000000Z', $note);", c =>
        {
            c.Parameters.AddWithValue("$size", treeSize);
            c.Parameters.AddWithValue("$note", note);
        });

    /// <summary>Moves everything in the WAL into the main file, so the file's bytes are the whole log.</summary>
    public void CheckpointWal()
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the temp directory is left for the OS to clean.
        }
    }

    /// <summary>The signed checkpoint of the first <paramref name="size"/> of <paramref name="records"/> under <paramref name="signer"/>.</summary>
    public static string SignCheckpoint(IReadOnlyList<AuditRecord> records, long size, NoteSigner signer, byte[]? root = null)
    {
        var tree = new CompactMerkleTree();
        foreach (var record in records.Take((int)size))
        {
            tree.AppendData(AuditRecordEncoder.Canonicalize(record));
        }

        return new Checkpoint(Origin, size, root ?? tree.Root()).Sign(signer);
    }
}
