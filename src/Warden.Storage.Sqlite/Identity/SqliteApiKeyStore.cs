using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Core.Identity;

namespace Warden.Storage.Sqlite.Identity;

/// <summary>API keys in the identity database's <c>api_keys</c> table. No cache: every call reads the file, so the
/// <see cref="ApiKeyService"/> above it decides how long an answer may be trusted.</summary>
public sealed class SqliteApiKeyStore(SqliteIdentityDatabase database) : IApiKeyStore
{
    private const string Columns = "id, kind, name, subject, on_behalf_of, roles, servers, tools, hash, created, created_by, expires, last_used, revoked, revoked_by";

    public async ValueTask<ApiKey?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<IReadOnlyList<ApiKey>> ListAsync(bool includeRevoked, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_keys {(includeRevoked ? "" : "WHERE revoked IS NULL")} ORDER BY created, id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    public async ValueTask<bool> AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await InsertAsync(connection, null, key, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> AddFirstAdminAsync(ApiKey key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var any = connection.CreateCommand())
        {
            any.Transaction = transaction;
            any.CommandText = "SELECT 1 FROM api_keys WHERE kind = 'admin' LIMIT 1";
            if (await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                return false;
            }
        }

        if (!await InsertAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<IReadOnlyList<string>> ReplaceAdminAsync(ApiKey key, DateTimeOffset at, string by, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var revoked = new List<string>();
        await using (var revoke = connection.CreateCommand())
        {
            revoke.Transaction = transaction;
            revoke.CommandText = "UPDATE api_keys SET revoked = $at, revoked_by = $by WHERE kind = 'admin' AND revoked IS NULL RETURNING id";
            revoke.Parameters.AddWithValue("$at", Format(at));
            revoke.Parameters.AddWithValue("$by", by);
            await using var reader = await revoke.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                revoked.Add(reader.GetString(0));
            }
        }

        if (!await InsertAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"An API key with id '{key.Id}' already exists; draw a new key.");
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return revoked;
    }

    public async ValueTask<ApiKey?> RevokeAsync(string id, DateTimeOffset at, string by, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var revoke = connection.CreateCommand())
        {
            revoke.CommandText = "UPDATE api_keys SET revoked = $at, revoked_by = $by WHERE id = $id AND revoked IS NULL";
            revoke.Parameters.AddWithValue("$id", id);
            revoke.Parameters.AddWithValue("$at", Format(at));
            revoke.Parameters.AddWithValue("$by", by);
            await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await FindAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM api_keys WHERE id = $id";
        delete.Parameters.AddWithValue("$id", id);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var touch = connection.CreateCommand();

        // Never moves backwards (two processes touching the same key).
        touch.CommandText = "UPDATE api_keys SET last_used = $at WHERE id = $id AND (last_used IS NULL OR last_used < $at)";
        touch.Parameters.AddWithValue("$id", id);
        touch.Parameters.AddWithValue("$at", Format(at));
        await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> InsertAsync(SqliteConnection connection, SqliteTransaction? transaction, ApiKey key, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"""
            INSERT OR IGNORE INTO api_keys ({Columns})
            VALUES ($id, $kind, $name, $subject, $obo, $roles, $servers, $tools, $hash, $created, $created_by, $expires, $last_used, $revoked, $revoked_by)
            """;
        insert.Parameters.AddWithValue("$id", key.Id);
        insert.Parameters.AddWithValue("$kind", KindName(key.Kind));
        insert.Parameters.AddWithValue("$name", key.Name);
        insert.Parameters.AddWithValue("$subject", key.Subject);
        insert.Parameters.AddWithValue("$obo", (object?)key.OnBehalfOf ?? DBNull.Value);
        insert.Parameters.AddWithValue("$roles", JsonSerializer.Serialize(key.Roles, IdentityJson.Default.IReadOnlyListString));
        insert.Parameters.AddWithValue("$servers", JsonSerializer.Serialize(key.Servers, IdentityJson.Default.IReadOnlyListString));
        insert.Parameters.AddWithValue("$tools", JsonSerializer.Serialize(key.Tools, IdentityJson.Default.IReadOnlyListString));
        insert.Parameters.AddWithValue("$hash", key.Hash);
        insert.Parameters.AddWithValue("$created", Format(key.Created));
        insert.Parameters.AddWithValue("$created_by", key.CreatedBy);
        insert.Parameters.AddWithValue("$expires", key.Expires is { } expires ? Format(expires) : DBNull.Value);
        insert.Parameters.AddWithValue("$last_used", key.LastUsed is { } used ? Format(used) : DBNull.Value);
        insert.Parameters.AddWithValue("$revoked", key.Revoked is { } revoked ? Format(revoked) : DBNull.Value);
        insert.Parameters.AddWithValue("$revoked_by", (object?)key.RevokedBy ?? DBNull.Value);
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static ApiKey Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Kind = reader.GetString(1) switch
        {
            "person" => ApiKeyKind.Person,
            "service_account" => ApiKeyKind.ServiceAccount,
            _ => ApiKeyKind.Admin,
        },
        Name = reader.GetString(2),
        Subject = reader.GetString(3),
        OnBehalfOf = reader.IsDBNull(4) ? null : reader.GetString(4),
        Roles = List(reader.GetString(5)),
        Servers = List(reader.GetString(6)),
        Tools = List(reader.GetString(7)),
        Hash = (byte[])reader.GetValue(8),
        Created = Parse(reader.GetString(9)),
        CreatedBy = reader.GetString(10),
        Expires = reader.IsDBNull(11) ? null : Parse(reader.GetString(11)),
        LastUsed = reader.IsDBNull(12) ? null : Parse(reader.GetString(12)),
        Revoked = reader.IsDBNull(13) ? null : Parse(reader.GetString(13)),
        RevokedBy = reader.IsDBNull(14) ? null : reader.GetString(14),
    };

    private static IReadOnlyList<string> List(string json) => JsonSerializer.Deserialize(json, IdentityJson.Default.IReadOnlyListString) ?? [];

    /// <summary>The kind as the table stores it.</summary>
    public static string KindName(ApiKeyKind kind) => kind switch
    {
        ApiKeyKind.Person => "person",
        ApiKeyKind.ServiceAccount => "service_account",
        _ => "admin",
    };

    // Fixed-width UTC with microseconds: text order is time order, so last_used < $at compares correctly.
    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
