using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Warden.Storage.Sqlite;

/// <summary>
/// The query index of an audit log, kept in a file of its own beside the log (<c>audit.db</c> →
/// <c>audit.index.db</c>). It is derived data: the log is the record, the index only makes queries fast, and
/// it can be deleted at any time (the store rebuilds it). Keeping it out of the log's transactions is what makes
/// durable appends fast: secondary indexes insert at many places of their B-trees, and a small commit that
/// touches a page writes all of it to the WAL, so indexing in the log's own commits cost five times the append
/// (bench/RESULTS.md). The indexer instead catches up in large, unsynchronised transactions a few times a second,
/// and readers scan the few records it has not reached yet (see <see cref="SqliteAuditReader.QueryAsync"/>).
/// </summary>
internal sealed partial class SqliteAuditIndex : IAsyncDisposable
{
    private const string Create = """
        CREATE TABLE IF NOT EXISTS index_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          indexed_upto INTEGER NOT NULL,
          first_hash TEXT
        );
        CREATE TABLE IF NOT EXISTS audit_index (
          seq INTEGER PRIMARY KEY,
          ts TEXT NOT NULL,
          source TEXT NOT NULL,
          subject TEXT NOT NULL,
          roles TEXT NOT NULL,
          server TEXT,
          name TEXT,
          method TEXT NOT NULL,
          effect TEXT NOT NULL,
          session_id TEXT,
          on_behalf_of TEXT
        );
        -- Equality columns first, then seq: a page (newest first) is read backwards off the index and stops at
        -- the limit, instead of collecting every match to sort it.
        DROP INDEX IF EXISTS audit_index_subject;
        DROP INDEX IF EXISTS audit_index_server;
        CREATE INDEX IF NOT EXISTS audit_index_ts ON audit_index(ts);
        CREATE INDEX IF NOT EXISTS audit_index_subject_seq ON audit_index(subject, seq);
        CREATE INDEX IF NOT EXISTS audit_index_server_seq ON audit_index(server, name, seq);
        CREATE INDEX IF NOT EXISTS audit_index_session ON audit_index(session_id, seq);
        CREATE INDEX IF NOT EXISTS audit_index_behalf_seq ON audit_index(on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;
        CREATE TABLE IF NOT EXISTS audit_resources (
          seq INTEGER NOT NULL,
          kind TEXT NOT NULL,
          value TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS audit_resources_kind_value ON audit_resources(kind, value, seq);
        CREATE INDEX IF NOT EXISTS audit_resources_seq ON audit_resources(seq);
        """;

    // How often the indexer runs while records keep coming, and how far behind it lets the log get before it
    // runs at once. Each run is one transaction, so these set how many records share each index page write.
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private const long Lag = 4096;
    private const int Chunk = 20_000;

    private readonly string _logConnectionString;
    private readonly string _indexConnectionString;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _committed;
    private long _indexedUpto;

    private SqliteAuditIndex(string logConnectionString, string indexConnectionString, long committed, ILogger logger)
    {
        _logConnectionString = logConnectionString;
        _indexConnectionString = indexConnectionString;
        _logger = logger;
        _committed = committed;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The index file of the log at <paramref name="databasePath"/>.</summary>
    public static string PathFor(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        var extension = Path.GetExtension(full);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + ".index" + (extension.Length > 0 ? extension : ".db"));
    }

    /// <summary>Highest seq the indexer has covered.</summary>
    public long IndexedUpto
    {
        get => Volatile.Read(ref _indexedUpto);
        private set => Volatile.Write(ref _indexedUpto, value);
    }

    /// <summary>Opens (creating, or rebuilding when it belongs to another log) the index and starts catching up.</summary>
    public static async Task<SqliteAuditIndex> OpenAsync(string logConnectionString, string indexPath, long committed, ILogger logger, CancellationToken cancellationToken)
    {
        SqliteAuditStore.CreateOwnerOnly(indexPath);
        var indexConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = indexPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();
        await using (var connection = await OpenIndexAsync(indexConnectionString, cancellationToken).ConfigureAwait(false))
        {
            await using var create = connection.CreateCommand();
            // An index from before a column was added is rebuilt from the log rather than migrated: it is derived data.
            create.CommandText = "SELECT COUNT(*) FROM pragma_table_info('audit_index') WHERE name = 'on_behalf_of'";
            var current = (long)(await create.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
            create.CommandText = current ? Create : "DROP TABLE IF EXISTS audit_index; DROP TABLE IF EXISTS audit_resources; DROP TABLE IF EXISTS index_state;" + Create;
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var index = new SqliteAuditIndex(logConnectionString, indexConnectionString, committed, logger);
        return index;
    }

    /// <summary>Tells the indexer the log now holds records up to <paramref name="seq"/>.</summary>
    public void Committed(long seq)
    {
        Volatile.Write(ref _committed, seq);
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Brings the index up to every committed record (tests, shutdown).</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await using var index = await OpenIndexAsync(_indexConnectionString, cancellationToken).ConfigureAwait(false);
        await using var log = await OpenLogAsync(_logConnectionString, cancellationToken).ConfigureAwait(false);
        while (await RunOnceAsync(index, log, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private async Task LoopAsync()
    {
        var token = _stopping.Token;
        try
        {
            await using var index = await OpenIndexAsync(_indexConnectionString, token).ConfigureAwait(false);
            await using var log = await OpenLogAsync(_logConnectionString, token).ConfigureAwait(false);
            var lastRun = DateTime.MinValue;
            while (!token.IsCancellationRequested)
            {
                var behind = Volatile.Read(ref _committed) - IndexedUpto;
                var sinceLast = DateTime.UtcNow - lastRun;
                if (behind <= 0)
                {
                    await _wake.WaitAsync(token).ConfigureAwait(false);
                    continue;
                }

                if (behind < Lag && sinceLast < Interval)
                {
                    await _wake.WaitAsync(Interval - sinceLast, token).ConfigureAwait(false);
                    continue;
                }

                lastRun = DateTime.UtcNow;
                try
                {
                    await RunOnceAsync(index, log, token).ConfigureAwait(false);
                }
                catch (SqliteException ex)
                {
                    // Queries stay right (they scan what is not indexed), only slower. Try again shortly.
                    LogIndexFailed(ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    // Indexes the next chunk of records after indexed_upto in one transaction; false when there was nothing to do.
    private async Task<bool> RunOnceAsync(SqliteConnection index, SqliteConnection log, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await index.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (upto, firstHash) = await ReadStateAsync(index, transaction, cancellationToken).ConfigureAwait(false);
        var logFirstHash = await ScalarAsync<string>(log, "SELECT hash FROM audit_records WHERE seq = 1", cancellationToken).ConfigureAwait(false);
        var logLast = await ScalarAsync<long?>(log, "SELECT MAX(seq) FROM audit_records", cancellationToken).ConfigureAwait(false) ?? 0;
        if (upto > logLast || (upto > 0 && firstHash != logFirstHash))
        {
            // The index describes another log (the file was replaced): start over.
            LogRebuilding(upto, logLast);
            await ExecuteAsync(index, transaction, "DELETE FROM audit_index; DELETE FROM audit_resources; DELETE FROM index_state;", cancellationToken).ConfigureAwait(false);
            upto = 0;
        }

        if (upto >= logLast)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            IndexedUpto = upto;
            return false;
        }

        var end = Math.Min(logLast, upto + Chunk);
        await using (var rows = log.CreateCommand())
        await using (var insert = index.CreateCommand())
        {
            rows.CommandText = "SELECT seq, ts, source, subject, roles, server, name, method, effect, session_id, on_behalf_of FROM audit_records WHERE seq > $from AND seq <= $to ORDER BY seq";
            rows.Parameters.AddWithValue("$from", upto);
            rows.Parameters.AddWithValue("$to", end);
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT OR REPLACE INTO audit_index (seq, ts, source, subject, roles, server, name, method, effect, session_id, on_behalf_of)
                VALUES ($seq, $ts, $source, $subject, $roles, $server, $name, $method, $effect, $session, $behalf)
                """;
            var names = new[] { "$seq", "$ts", "$source", "$subject", "$roles", "$server", "$name", "$method", "$effect", "$session", "$behalf" };
            foreach (var name in names)
            {
                insert.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            await using var reader = await rows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                for (var i = 0; i < names.Length; i++)
                {
                    insert.Parameters[i].Value = reader.GetValue(i);
                }

                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // The data-accessed entries come out of each record's JSON, parsed by SQLite.
        await using (var resources = log.CreateCommand())
        await using (var insert = index.CreateCommand())
        {
            resources.CommandText = """
                SELECT r.seq, d.value ->> 'kind', d.value ->> 'value'
                FROM audit_records r, json_each(CAST(r.record AS TEXT), '$.data') d
                WHERE r.seq > $from AND r.seq <= $to AND json_valid(CAST(r.record AS TEXT))
                """;
            resources.Parameters.AddWithValue("$from", upto);
            resources.Parameters.AddWithValue("$to", end);
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO audit_resources (seq, kind, value) VALUES ($seq, $kind, $value)";
            var seq = insert.Parameters.Add(new SqliteParameter { ParameterName = "$seq" });
            var kind = insert.Parameters.Add(new SqliteParameter { ParameterName = "$kind" });
            var value = insert.Parameters.Add(new SqliteParameter { ParameterName = "$value" });
            await using (var stale = index.CreateCommand())
            {
                // Left by a run whose state update was lost; the insert below writes them again.
                stale.Transaction = transaction;
                stale.CommandText = "DELETE FROM audit_resources WHERE seq > $from AND seq <= $to";
                stale.Parameters.AddWithValue("$from", upto);
                stale.Parameters.AddWithValue("$to", end);
                await stale.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var reader = await resources.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.IsDBNull(1) || reader.IsDBNull(2))
                {
                    continue;
                }

                seq.Value = reader.GetInt64(0);
                kind.Value = reader.GetString(1);
                value.Value = reader.GetString(2);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await using (var state = index.CreateCommand())
        {
            state.Transaction = transaction;
            state.CommandText = "INSERT OR REPLACE INTO index_state (id, indexed_upto, first_hash) VALUES (1, $upto, $first)";
            state.Parameters.AddWithValue("$upto", end);
            state.Parameters.AddWithValue("$first", (object?)logFirstHash ?? DBNull.Value);
            await state.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        IndexedUpto = end;
        return true;
    }

    private static async Task<(long Upto, string? FirstHash)> ReadStateAsync(SqliteConnection index, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = index.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT indexed_upto, first_hash FROM index_state WHERE id = 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : (0, null);
    }

    private static async Task<T?> ScalarAsync<T>(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // Derived data: no fsync per commit (synchronous=NORMAL); a crash loses at most the last runs, which the next
    // start redoes from the log.
    private static async Task<SqliteConnection> OpenIndexAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // secure_delete: the index copies what records touched, and what pruning removes must not survive in free space.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-32768; PRAGMA secure_delete=ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    // The indexer only reads the log.
    private static Task<SqliteConnection> OpenLogAsync(string logConnectionString, CancellationToken cancellationToken) =>
        SqliteAuditReader.OpenConnectionAsync(new SqliteConnectionStringBuilder(logConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString(), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        try
        {
            // Leave the index complete, so the next start (or the CLI) does not scan.
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await CatchUpAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqliteException or OperationCanceledException)
        {
            LogIndexFailed(ex.Message);
        }

        _stopping.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Audit query index could not be updated ({Reason}); queries stay correct but scan more until it can.")]
    private partial void LogIndexFailed(string reason);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Audit query index covered {Upto} records but the log holds {Last} or another log: rebuilding it.")]
    private partial void LogRebuilding(long upto, long last);
}
