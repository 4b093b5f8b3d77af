using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Warden.Core.Pipeline;

namespace Warden.Storage.Sqlite;

/// <summary>
/// Appends audit entries to a SQLite file. Entries are queued and written in batches, one transaction
/// per batch, by a single writer; the tamper-evident trail replaces this plain table.
/// </summary>
public sealed class SqliteAuditSink : IAuditSink, IAsyncDisposable
{
    private readonly Channel<AuditEntry> _queue = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(65536)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private const int MaxBatch = 512;

    // Each commit costs an fsync, which under load took more of Warden's CPU (kernel time) than the inserts:
    // waiting a moment lets one commit carry what arrived meanwhile. Entries wait in memory before they are
    // written either way, so the window changes no guarantee, only how many commits carry them.
    private static readonly TimeSpan GroupCommitWindow = TimeSpan.FromMilliseconds(10);

    private readonly string _connectionString;
    private readonly Task _writer;

    public SqliteAuditSink(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        using (var connection = Open())
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS calls (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  ts TEXT NOT NULL,
                  duration_us INTEGER NOT NULL,
                  source TEXT NOT NULL,
                  subject TEXT NOT NULL,
                  server TEXT,
                  method TEXT NOT NULL,
                  name TEXT,
                  arguments TEXT,
                  outcome TEXT NOT NULL,
                  error TEXT,
                  decision TEXT NOT NULL,
                  session_id TEXT,
                  request_id TEXT,
                  client TEXT
                );
                """);
        }

        _writer = Task.Run(WriteLoopAsync);
    }

    public ValueTask RecordAsync(AuditEntry entry, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(entry, cancellationToken);

    /// <summary>Counts stored rows; used by tests and health checks.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM calls";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task WriteLoopAsync()
    {
        await using var connection = Open();
        var batch = new List<AuditEntry>(256);
        while (await _queue.Reader.WaitToReadAsync())
        {
            if (_queue.Reader.Count < MaxBatch)
            {
                await Task.Delay(GroupCommitWindow);
            }

            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            await using (var transaction = connection.BeginTransaction())
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO calls (ts, duration_us, source, subject, server, method, name, arguments, outcome, error, decision, session_id, request_id, client)
                    VALUES ($ts, $d, $src, $sub, $srv, $m, $n, $a, $o, $e, $dec, $sid, $rid, $c)
                    """;
                var parameters = new[] { "$ts", "$d", "$src", "$sub", "$srv", "$m", "$n", "$a", "$o", "$e", "$dec", "$sid", "$rid", "$c" }
                    .Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();
                foreach (var e in batch)
                {
                    var a = e.Action;
                    parameters[0].Value = e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
                    parameters[1].Value = (long)e.Duration.TotalMicroseconds;
                    parameters[2].Value = a.Source;
                    parameters[3].Value = a.Caller.Subject;
                    parameters[4].Value = (object?)a.Server ?? DBNull.Value;
                    parameters[5].Value = a.Method;
                    parameters[6].Value = (object?)a.Name ?? DBNull.Value;
                    parameters[7].Value = (object?)a.Arguments?.ToJsonString() ?? DBNull.Value;
                    parameters[8].Value = e.Outcome;
                    parameters[9].Value = (object?)e.Error ?? DBNull.Value;
                    parameters[10].Value = $"{e.Decision.Effect}: {e.Decision.Reason}";
                    parameters[11].Value = (object?)a.SessionId ?? DBNull.Value;
                    parameters[12].Value = (object?)a.RequestId ?? DBNull.Value;
                    parameters[13].Value = a.ClientName is null ? DBNull.Value : $"{a.ClientName}/{a.ClientVersion}";
                    await command.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }

            batch.Clear();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
