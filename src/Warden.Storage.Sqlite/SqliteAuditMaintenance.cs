using System.Buffers;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

/// <summary>
/// The log's data lifecycle: erasing a data subject (destroying their key), legal holds, and pruning content past
/// retention. Each change is one write transaction on its own connection that also appends a lifecycle record naming
/// it and signs a checkpoint over that record, so the change and its evidence commit together or not at all. It runs
/// beside a serving <see cref="SqliteAuditStore"/> (in-process or from the CLI): SQLite's write lock serialises them,
/// and each catches up with what the other appended before placing records.
/// </summary>
public sealed partial class SqliteAuditMaintenance : IAuditLifecycle
{
    private readonly string _connectionString;
    private readonly string _databasePath;
    private readonly SqliteAuditMaintenanceOptions _options;

    private SqliteAuditMaintenance(string connectionString, string databasePath, SqliteAuditMaintenanceOptions options)
    {
        _connectionString = connectionString;
        _databasePath = databasePath;
        _options = options;
    }

    /// <summary>Opens an existing log for its lifecycle changes (adding the key and hold tables to an older file).</summary>
    public static async Task<SqliteAuditMaintenance> OpenAsync(string databasePath, SqliteAuditMaintenanceOptions options, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(databasePath))
        {
            throw new FileNotFoundException($"There is no audit log at '{databasePath}'.", databasePath);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();
        await using (var connection = await SqliteAuditStore.OpenConnectionAsync(connectionString, cancellationToken).ConfigureAwait(false))
        {
            await SqliteAuditSchema.CreateAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        return new SqliteAuditMaintenance(connectionString, databasePath, options);
    }

    // Like every writer's, this connection overwrites what it deletes (secure_delete), so destroyed key bytes and
    // pruned content are not left in free space of the file.
    private Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        SqliteAuditStore.OpenConnectionAsync(_connectionString, cancellationToken);

    /// <summary>
    /// Rewrites the whole database file (VACUUM) and truncates the WAL: no copy of deleted bytes survives anywhere in
    /// the file, including stale copies SQLite may have left in unused page space when pages were rebuilt before
    /// secure_delete was on. Blocks every writer (the gateway too) while it runs; it takes as long as copying the log.
    /// </summary>
    public async Task VacuumAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var vacuum = connection.CreateCommand())
        {
            vacuum.CommandText = "VACUUM;";
            await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await TruncateWalAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends <paramref name="record"/> (already sealed) at the end of the log inside <paramref name="transaction"/>
    /// and signs a checkpoint over it. <paramref name="tail"/> was read before the write lock; it catches up here.
    /// </summary>
    private async Task<(AuditRecord Placed, long CheckpointSize)> AppendAsync(SqliteConnection connection, SqliteTransaction transaction, SqliteLogTail tail, AuditRecord record, CancellationToken cancellationToken)
    {
        await tail.CatchUpAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var placed = AuditRecordEncoder.Seal(AuditRecordEncoder.Prepare(record), tail.Seq + 1, tail.Hash, new ArrayBufferWriter<byte>(4096), out var leaf, out var encoded);
        await using (var insert = new SqliteAuditSchema.Inserter(connection, transaction))
        {
            await insert.InsertAsync(placed, leaf, encoded).ConfigureAwait(false);
        }

        var tree = new CompactMerkleTree(tail.Tree.Size, tail.Tree.Nodes);
        tree.Append(leaf);
        var note = new Checkpoint(_options.Origin, tree.Size, tree.Root()).Sign(_options.Signer());
        await SqliteAuditSchema.InsertCheckpointAsync(connection, transaction, tree.Size, _options.Time.GetUtcNow(), note).ConfigureAwait(false);
        return (placed, tree.Size);
    }

    // The tail and the sealed record are prepared before the write lock is taken: reading the leaves and making the
    // operator's key must not hold up the gateway's writer.
    private async Task<(SqliteLogTail Tail, AuditRecord Sealed)> PrepareAsync(SqliteConnection connection, AuditRecord record, CancellationToken cancellationToken) =>
        (await SqliteLogTail.ReadAsync(connection, null, cancellationToken).ConfigureAwait(false), await _options.Seal(record, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Moves everything in the WAL into the database file and truncates the WAL, so bytes just deleted do not linger
    /// in old WAL frames. False when a reader kept it from completing (the next checkpoint finishes the job).
    /// </summary>
    private static async Task<bool> TruncateWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetInt64(0) == 0;
    }

    private AuditRecord LifecycleRecord(string method, System.Text.Json.Nodes.JsonObject arguments, IReadOnlyList<AuditResource> data, AuditUserIdentity actor, string reason, IReadOnlyList<string>? ruleIds = null) => new()
    {
        Id = AuditRecord.NewId(_options.Time),
        Timestamp = _options.Time.GetUtcNow(),
        Source = AuditSource.Admin,
        Input = new AuditInput { Method = method, Arguments = arguments },
        DataAccessed = data,
        User = actor,
        Decision = new AuditDecision { Effect = AuditEffect.Allow, Reason = reason, RuleIds = ruleIds ?? [] },
    };
}
