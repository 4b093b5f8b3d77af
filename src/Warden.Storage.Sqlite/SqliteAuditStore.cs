using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

/// <summary>
/// The audit log in a SQLite file (WAL). One writer places records (seq, prev_hash, hash, Merkle leaf) and
/// commits concurrent ones together, one transaction and one fsync per batch (group commit); appenders wait
/// for that commit unless durability is batched. Every <c>checkpointEvery</c> records or
/// <c>checkpointInterval</c> it signs a C2SP checkpoint of the tree. If a commit fails the store reports itself
/// unavailable (callers fail closed) and probes until it can write again.
/// </summary>
public sealed partial class SqliteAuditStore : IAuditStore
{
    private const int MaxBatch = 512;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(16384) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly string _connectionString;
    private readonly SqliteAuditStoreOptions _options;
    private readonly ILogger _logger;
    private Task? _writer;
    private SqliteAuditIndex? _index;
    private CompactMerkleTree _tree = new();
    private long _lastSeq;
    private string _lastHash = AuditRecord.GenesisPrevHash;
    private long _lastCheckpointSize;
    private DateTimeOffset _lastCheckpointAt;
    private volatile string? _unavailable;
    private long _dataVersion = -1;
    private readonly System.Buffers.ArrayBufferWriter<byte> _scratch = new(4096);

    private SqliteAuditStore(string connectionString, SqliteAuditStoreOptions options, ILogger logger)
    {
        _connectionString = connectionString;
        _options = options;
        _logger = logger;
        _lastCheckpointAt = options.Time.GetUtcNow();
        Reader = new SqliteAuditReader(connectionString, SqliteAuditIndex.PathFor(new SqliteConnectionStringBuilder(connectionString).DataSource));
    }

    /// <summary>Opens (creating when needed) the log in <paramref name="databasePath"/> and resumes where it ended.</summary>
    public static async Task<SqliteAuditStore> OpenAsync(string databasePath, SqliteAuditStoreOptions options, ILogger<SqliteAuditStore>? logger = null, CancellationToken cancellationToken = default)
    {
        CreateOwnerOnly(databasePath);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();
        await using (var connection = await OpenConnectionAsync(connectionString, cancellationToken).ConfigureAwait(false))
        {
            await SqliteAuditSchema.CreateAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        var store = new SqliteAuditStore(connectionString, options, (ILogger?)logger ?? NullLogger.Instance);
        await store.ResumeAsync(cancellationToken).ConfigureAwait(false);
        store._index = await SqliteAuditIndex.OpenAsync(connectionString, SqliteAuditIndex.PathFor(databasePath), store._lastSeq, store._logger, cancellationToken).ConfigureAwait(false);
        store._writer = Task.Run(store.WriteLoopAsync);
        return store;
    }

    /// <summary>Creates <paramref name="path"/> (and its directory) readable by Warden's user only, unless it exists.</summary>
    internal static void CreateOwnerOnly(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path) && !OperatingSystem.IsWindows())
        {
            // The log holds arguments and results: only Warden's user may read it (SQLite gives its -wal and
            // -shm files the same mode).
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
    }

    /// <summary>Waits until the query index covers every record committed so far (tests; queries are right without it).</summary>
    public Task CatchUpIndexAsync(CancellationToken cancellationToken) => _index!.CatchUpAsync(cancellationToken);

    public string? Unavailable => _unavailable;

    public int QueueDepth => _queue.Reader.Count;

    public AuditFeed Feed { get; } = new();

    public async ValueTask<AuditAppendResult> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        if (_unavailable is { } reason)
        {
            return AuditAppendResult.Failed(reason);
        }

        if (_options.Seal is { } seal)
        {
            try
            {
                // Sealed here, on the caller's thread, before it is encoded: the record's hash must cover the ciphertext.
                record = await seal(record, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                return AuditAppendResult.Failed($"The audit record's personal fields could not be sealed ({Describe(ex)}); Warden refuses calls it cannot record.");
            }
        }

        // Encoded here, on the appender's thread: the writer, which every record passes through in turn, only
        // fills in seq, prev_hash and hash.
        var pending = new Pending(AuditRecordEncoder.Prepare(record));
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return AuditAppendResult.Failed("The audit log is closed (Warden is shutting down).");
        }

        return _options.Durability == Core.Configuration.AuditDurability.Batched
            ? new AuditAppendResult(record, null)
            : await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1";
            await using var reader = await last.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _lastSeq = reader.GetInt64(0);
                _lastHash = reader.GetString(1);
            }
        }

        // The compact tree is rebuilt from the stored leaves (32 bytes a record): 1M records is one 32 MB scan.
        var tree = new CompactMerkleTree();
        await using (var leaves = connection.CreateCommand())
        {
            leaves.CommandText = "SELECT leaf_hash FROM audit_records ORDER BY seq";
            await using var reader = await leaves.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MerkleHash.Size];
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reader.GetBytes(0, 0, buffer, 0, buffer.Length);
                tree.Append(buffer);
            }
        }

        _tree = tree;
        await using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "SELECT COALESCE(MAX(tree_size), 0) FROM audit_checkpoints";
            _lastCheckpointSize = (long)(await checkpoint.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    private async Task WriteLoopAsync()
    {
        await using var connection = await OpenConnectionAsync(_connectionString, CancellationToken.None).ConfigureAwait(false);
        var batch = new List<Pending>(MaxBatch);
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), _options.Time);
        var more = _queue.Reader.WaitToReadAsync().AsTask();
        var tickTask = tick.WaitForNextTickAsync().AsTask();
        while (true)
        {
            // Wake for records, or once a second to sign a due checkpoint or probe a store that failed.
            if (tickTask.IsCompleted)
            {
                tickTask = tick.WaitForNextTickAsync().AsTask();
            }

            if (await Task.WhenAny(more, tickTask).ConfigureAwait(false) == more)
            {
                if (!await more.ConfigureAwait(false))
                {
                    break;
                }

                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await CommitAsync(connection, batch).ConfigureAwait(false);
                batch.Clear();
                more = _queue.Reader.WaitToReadAsync().AsTask();
            }
            else if (_unavailable is not null)
            {
                await ProbeAsync(connection).ConfigureAwait(false);
            }
            else if (_tree.Size > _lastCheckpointSize && _options.Time.GetUtcNow() - _lastCheckpointAt >= _options.CheckpointInterval)
            {
                await CommitAsync(connection, batch).ConfigureAwait(false);
            }
        }

        // Shutting down: sign what was written since the last checkpoint so a verifier can check the tail.
        if (_tree.Size > _lastCheckpointSize && _unavailable is null)
        {
            await CommitAsync(connection, batch, forceCheckpoint: true).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(SqliteConnection connection, List<Pending> batch, bool forceCheckpoint = false)
    {
        var (seq, hash, tree) = (_lastSeq, _lastHash, new CompactMerkleTree(_tree.Size, _tree.Nodes));
        var placed = new List<AuditRecord>(batch.Count);
        string? checkpoint = null;
        try
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync().ConfigureAwait(false);
            if (await CaughtUpWithOtherWritersAsync(connection, transaction).ConfigureAwait(false))
            {
                (seq, hash, tree) = (_lastSeq, _lastHash, new CompactMerkleTree(_tree.Size, _tree.Nodes));
            }

            await using var insert = new SqliteAuditSchema.Inserter(connection, transaction);
            foreach (var pending in batch)
            {
                var record = AuditRecordEncoder.Seal(pending.Prepared, ++seq, hash, _scratch, out var leaf, out var encoded);
                await insert.InsertAsync(record, leaf, encoded).ConfigureAwait(false);
                tree.Append(leaf);
                hash = record.Hash;
                placed.Add(record);
            }

            var now = _options.Time.GetUtcNow();
            if (tree.Size > _lastCheckpointSize
                && (forceCheckpoint || tree.Size - _lastCheckpointSize >= _options.CheckpointEvery || now - _lastCheckpointAt >= _options.CheckpointInterval))
            {
                checkpoint = new Checkpoint(_options.Origin, tree.Size, tree.Root()).Sign(_options.Signer());
                await SqliteAuditSchema.InsertCheckpointAsync(connection, transaction, tree.Size, now, checkpoint).ConfigureAwait(false);
            }

            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            var reason = $"The audit log cannot be written ({Describe(ex)}); Warden retries every second.";
            if (_unavailable is null)
            {
                LogUnavailable(ex.Message);
            }

            _unavailable = reason;
            foreach (var pending in batch)
            {
                pending.Done.TrySetResult(AuditAppendResult.Failed(reason));
            }

            return;
        }

        (_lastSeq, _lastHash, _tree) = (seq, hash, tree);
        _index?.Committed(seq);
        if (checkpoint is not null)
        {
            _lastCheckpointSize = tree.Size;
            _lastCheckpointAt = _options.Time.GetUtcNow();
        }

        if (_unavailable is not null)
        {
            _unavailable = null;
            LogAvailableAgain();
        }

        // Subscribers hear of the records before their appenders do, and a slow one only loses records of its own.
        Feed.Publish(placed);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(new AuditAppendResult(placed[i], null));
        }
    }

    // Another connection (warden audit forget/hold/prune, the pruner) may have appended records. data_version
    // changes only when another connection commits, so the common case costs one pragma; it is read after BEGIN
    // IMMEDIATE, when nobody else can commit until this transaction ends.
    private async Task<bool> CaughtUpWithOtherWritersAsync(SqliteConnection connection, SqliteTransaction transaction)
    {
        await using var version = connection.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = "PRAGMA data_version";
        var current = (long)(await version.ExecuteScalarAsync().ConfigureAwait(false))!;
        if (current == _dataVersion)
        {
            return false;
        }

        _dataVersion = current;
        var tree = new CompactMerkleTree(_tree.Size, _tree.Nodes);
        (_lastSeq, _lastHash) = await SqliteLogTail.AppendNewerAsync(connection, transaction, _lastSeq, _lastHash, tree, CancellationToken.None).ConfigureAwait(false);
        _tree = tree;
        _lastCheckpointSize = Math.Max(_lastCheckpointSize, await SqliteLogTail.CheckpointSizeAsync(connection, transaction, CancellationToken.None).ConfigureAwait(false));
        return true;
    }

    // A write transaction that changes nothing: succeeds once the file is writable again.
    private async Task ProbeAsync(SqliteConnection connection)
    {
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "BEGIN IMMEDIATE; INSERT OR REPLACE INTO audit_probe(id, at) VALUES (1, $at); COMMIT;";
            command.Parameters.AddWithValue("$at", _options.Time.GetUtcNow().ToString("O"));
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            _unavailable = null;
            LogAvailableAgain();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            try
            {
                await using var rollback = connection.CreateCommand();
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (SqliteException)
            {
            }
        }
    }

    private static string Describe(Exception ex) => ex is SqliteException sqlite ? $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}" : ex.Message;

    internal static async Task<SqliteConnection> OpenConnectionAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // WAL lets readers run beside the writer; synchronous=FULL makes each commit an fsync, so a record
        // that was acknowledged survives a power cut. secure_delete zeroes space SQLite frees (page splits
        // included), so erased keys and pruned content do not survive as stale copies inside pages.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        if (_index is not null)
        {
            await _index.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Pending(PreparedAuditRecord prepared)
    {
        public PreparedAuditRecord Prepared { get; } = prepared;
        public TaskCompletionSource<AuditAppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Critical, Message = "Audit log unavailable: {Reason}. Records cannot be stored until it can be written again (probed every second); with audit.onFailure: closed, calls are refused meanwhile.")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Audit log writable again; calls are served.")]
    private partial void LogAvailableAgain();
}
