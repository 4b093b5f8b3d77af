using Microsoft.Data.Sqlite;

namespace Warden.Storage.Sqlite.Identity;

/// <summary>
/// <c>identity.db</c>: who may use Warden (API keys now; local users and upstream credentials later), in its own SQLite
/// file beside the audit log (mode 0600, WAL, so <c>warden serve</c> and the <c>warden keys</c> commands share it). Its
/// schema is versioned with <c>PRAGMA user_version</c>: <see cref="SqliteIdentityMigrations"/> lists one script per
/// version, applied in order inside one write transaction, so two processes opening an old file upgrade it once.
/// A file from a newer Warden is refused rather than guessed at.
/// </summary>
public sealed class SqliteIdentityDatabase : IDisposable
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "identity.db";

    private readonly string _connectionString;

    private SqliteIdentityDatabase(string path, string connectionString)
    {
        Path = path;
        _connectionString = connectionString;
    }

    public string Path { get; }

    /// <summary>Opens (creating when needed) the identity database at <paramref name="path"/> and brings its schema up to date.</summary>
    public static async Task<SqliteIdentityDatabase> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        SqliteAuditStore.CreateOwnerOnly(path);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();
        var database = new SqliteIdentityDatabase(path, connectionString);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await SqliteIdentityMigrations.ApplyAsync(connection, path, cancellationToken).ConfigureAwait(false);
        return database;
    }

    /// <summary>A new connection (pooled); the caller disposes it.</summary>
    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragmas = connection.CreateCommand();

        // A deleted key's hash is overwritten, not left in free pages.
        pragmas.CommandText = "PRAGMA secure_delete=ON; PRAGMA synchronous=FULL;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public void Dispose() => SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
}
