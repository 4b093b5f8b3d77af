using System.Globalization;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

/// <summary>
/// The audit tables. <c>record</c> holds the canonical JSON (with hash) and is the only column a verifier trusts;
/// the other columns copy fields out of it for queries (indexed in the separate <see cref="SqliteAuditIndex"/>
/// file, so that an append writes no secondary index pages). Triggers refuse UPDATE and DELETE, so ordinary SQL
/// cannot rewrite history; whoever edits the file directly is caught by the hash chain and the checkpoints.
/// Subject keys and legal holds live in tables of their own without such triggers: keys must be destroyable.
/// </summary>
internal static class SqliteAuditSchema
{
    private const string Create = """
        CREATE TABLE IF NOT EXISTS audit_records (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          ts TEXT NOT NULL,
          source TEXT NOT NULL,
          subject TEXT NOT NULL,
          roles TEXT NOT NULL,
          server TEXT,
          name TEXT,
          method TEXT NOT NULL,
          effect TEXT NOT NULL,
          session_id TEXT,
          on_behalf_of TEXT,
          record BLOB NOT NULL,
          leaf_hash BLOB NOT NULL,
          hash TEXT NOT NULL
        );
        -- Secondary indexes and the resources table live in the index file now (logs written before that change).
        DROP INDEX IF EXISTS audit_records_ts;
        DROP INDEX IF EXISTS audit_records_subject;
        DROP INDEX IF EXISTS audit_records_server;
        DROP INDEX IF EXISTS audit_records_session;
        DROP TABLE IF EXISTS audit_resources;
        CREATE TABLE IF NOT EXISTS audit_checkpoints (
          tree_size INTEGER PRIMARY KEY,
          created TEXT NOT NULL,
          note TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS audit_subject_keys (
          lookup BLOB PRIMARY KEY,
          pseudonym TEXT NOT NULL UNIQUE,
          wrapped BLOB NOT NULL,
          created TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit_holds (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          target TEXT NOT NULL,
          label BLOB,
          reason TEXT NOT NULL,
          created TEXT NOT NULL,
          created_by TEXT NOT NULL,
          released TEXT,
          released_by TEXT
        );
        """ + RecordsUpdateTrigger + """

        CREATE TRIGGER IF NOT EXISTS audit_records_append_only_delete BEFORE DELETE ON audit_records
          BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_checkpoints_append_only_update BEFORE UPDATE ON audit_checkpoints
          BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
          BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        """;

    /// <summary>The trigger that refuses UPDATE on records; the pruner alone drops and recreates it, inside its transaction.</summary>
    public const string RecordsUpdateTrigger = """
        CREATE TRIGGER IF NOT EXISTS audit_records_append_only_update BEFORE UPDATE ON audit_records
          BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        """;

    /// <summary>The <c>source</c> column of a tombstone row (a real source is never this), so queries can skip pruned rows.</summary>
    public const string PrunedSource = "pruned";

    public static async Task CreateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Create;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // Logs written before service accounts acted for people lack the column; none of their records had the field.
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('audit_records') WHERE name = 'on_behalf_of'";
        if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
        {
            command.CommandText = "ALTER TABLE audit_records ADD COLUMN on_behalf_of TEXT";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Inserts records with one prepared statement, reused for every row.</summary>
    public sealed class Inserter : IAsyncDisposable
    {
        private readonly SqliteCommand _record;

        public Inserter(SqliteConnection connection, SqliteTransaction transaction)
        {
            _record = connection.CreateCommand();
            _record.Transaction = transaction;
            _record.CommandText = """
                INSERT INTO audit_records (seq, id, ts, source, subject, roles, server, name, method, effect, session_id, on_behalf_of, record, leaf_hash, hash)
                VALUES ($seq, $id, $ts, $source, $subject, $roles, $server, $name, $method, $effect, $session, $behalf, $record, $leaf, $hash)
                """;
            foreach (var name in new[] { "$seq", "$id", "$ts", "$source", "$subject", "$roles", "$server", "$name", "$method", "$effect", "$session", "$behalf", "$record", "$leaf", "$hash" })
            {
                _record.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
        }

        /// <summary>Inserts <paramref name="record"/>, whose stored encoding is <paramref name="encoded"/>.</summary>
        public async Task InsertAsync(AuditRecord record, byte[] leafHash, byte[] encoded)
        {
            var p = _record.Parameters;
            p["$seq"].Value = record.Seq;
            p["$id"].Value = record.Id;
            p["$ts"].Value = Timestamp(record.Timestamp);
            p["$source"].Value = record.Source.ToString().ToLowerInvariant();
            p["$subject"].Value = record.User.Subject;
            // Delimited on both sides so a role matches exactly with LIKE '%|role|%'.
            p["$roles"].Value = "|" + string.Join("|", record.User.Roles) + "|";
            p["$server"].Value = (object?)record.Input.Server ?? DBNull.Value;
            p["$name"].Value = (object?)record.Input.Name ?? DBNull.Value;
            p["$method"].Value = record.Input.Method;
            p["$effect"].Value = record.Decision.Effect.ToString().ToLowerInvariant();
            p["$session"].Value = (object?)record.SessionId ?? DBNull.Value;
            p["$behalf"].Value = (object?)record.User.OnBehalfOf ?? DBNull.Value;
            p["$record"].Value = encoded;
            p["$leaf"].Value = leafHash;
            p["$hash"].Value = record.Hash;
            await _record.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => _record.DisposeAsync();
    }

    public static async Task InsertCheckpointAsync(SqliteConnection connection, SqliteTransaction transaction, long treeSize, DateTimeOffset created, string note)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO audit_checkpoints (tree_size, created, note) VALUES ($size, $created, $note)";
        insert.Parameters.AddWithValue("$size", treeSize);
        insert.Parameters.AddWithValue("$created", Timestamp(created));
        insert.Parameters.AddWithValue("$note", note);
        await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    // Sortable as text: fixed width, UTC, microseconds.
    public static string Timestamp(DateTimeOffset value) => AuditRecordEncoder.FormatTimestamp(value);
}
