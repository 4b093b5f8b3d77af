using System.Globalization;
using Warden.Core.Identity;

namespace Warden.Storage.Sqlite.Identity;

/// <summary>Upstream credentials in the identity database's <c>upstream_credentials</c> table, sealed by the caller.</summary>
public sealed class SqliteUpstreamCredentialStore(SqliteIdentityDatabase database) : IUpstreamCredentialStore
{
    public async ValueTask SetAsync(string server, string subject, byte[] sealedSecret, DateTimeOffset at, string by, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var upsert = connection.CreateCommand();
        upsert.CommandText = """
            INSERT INTO upstream_credentials (server, subject, sealed, created, updated, updated_by) VALUES ($server, $subject, $sealed, $at, $at, $by)
            ON CONFLICT (server, subject) DO UPDATE SET sealed = excluded.sealed, updated = excluded.updated, updated_by = excluded.updated_by
            """;
        upsert.Parameters.AddWithValue("$server", server);
        upsert.Parameters.AddWithValue("$subject", subject);
        upsert.Parameters.AddWithValue("$sealed", sealedSecret);
        upsert.Parameters.AddWithValue("$at", Format(at));
        upsert.Parameters.AddWithValue("$by", by);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<byte[]?> GetSealedAsync(string server, string subject, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT sealed FROM upstream_credentials WHERE server = $server AND subject = $subject";
        select.Parameters.AddWithValue("$server", server);
        select.Parameters.AddWithValue("$subject", subject);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    public async ValueTask<IReadOnlyList<UpstreamCredential>> ListAsync(string? server, string? subject, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT server, subject, created, updated, updated_by FROM upstream_credentials
            WHERE ($server IS NULL OR server = $server) AND ($subject IS NULL OR subject = $subject) ORDER BY server, subject
            """;
        select.Parameters.AddWithValue("$server", (object?)server ?? DBNull.Value);
        select.Parameters.AddWithValue("$subject", (object?)subject ?? DBNull.Value);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<UpstreamCredential>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new UpstreamCredential(reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2)), Parse(reader.GetString(3)), reader.GetString(4)));
        }

        return list;
    }

    public async ValueTask<bool> DeleteAsync(string server, string subject, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM upstream_credentials WHERE server = $server AND subject = $subject";
        delete.Parameters.AddWithValue("$server", server);
        delete.Parameters.AddWithValue("$subject", subject);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
