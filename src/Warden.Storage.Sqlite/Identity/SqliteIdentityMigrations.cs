using Microsoft.Data.Sqlite;

namespace Warden.Storage.Sqlite.Identity;

/// <summary>
/// The identity database's schema, one script per version (<c>PRAGMA user_version</c>). Add a version by appending a
/// script (local users, upstream credentials, …); never edit a published one, since files in the field already ran it.
/// </summary>
internal static class SqliteIdentityMigrations
{
    private static readonly string[] Scripts =
    [
        // 1: API keys (people's, service accounts', the admin key), stored as keyed hashes only.
        """
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('person', 'service_account', 'admin')),
          name TEXT NOT NULL,
          subject TEXT NOT NULL,
          on_behalf_of TEXT,
          roles TEXT NOT NULL,
          servers TEXT NOT NULL,
          tools TEXT NOT NULL,
          hash BLOB NOT NULL,
          created TEXT NOT NULL,
          created_by TEXT NOT NULL,
          expires TEXT,
          last_used TEXT,
          revoked TEXT,
          revoked_by TEXT
        );
        CREATE INDEX api_keys_kind ON api_keys (kind);
        """,

        // 2: upstream credentials (a user's own token for an upstream, or one shared by everyone), sealed with AES-GCM
        // under a key derived from the identity key (outside the database); the row's server and subject are bound in.
        """
        CREATE TABLE upstream_credentials (
          server TEXT NOT NULL,
          subject TEXT NOT NULL,
          sealed BLOB NOT NULL,
          created TEXT NOT NULL,
          updated TEXT NOT NULL,
          updated_by TEXT NOT NULL,
          PRIMARY KEY (server, subject)
        );
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Current => Scripts.Length;

    public static async Task ApplyAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {
        if (await VersionAsync(connection, null, cancellationToken).ConfigureAwait(false) == Current)
        {
            return;
        }

        // IMMEDIATE: the write lock is taken before the version is read, so concurrent openers migrate once.
        await using var transaction = connection.BeginTransaction(deferred: false);
        var version = await VersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (version > Current)
        {
            throw new InvalidOperationException(
                $"The identity database '{path}' has schema version {version}, newer than this Warden understands ({Current}): it was written by a newer Warden. Run that version (or newer).");
        }

        for (var next = version; next < Current; next++)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Scripts[next] + $"\nPRAGMA user_version = {next + 1};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> VersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}
