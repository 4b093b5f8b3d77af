using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;

namespace Warden.Storage.Sqlite;

/// <summary>
/// Subject keys in the audit database's <c>audit_subject_keys</c> table: the keyed lookup value (HMAC of the subject
/// id under the master key), a random pseudonym, the key wrapped with the master key, and when it was made. Keys
/// are cached for a second, so a key destroyed by another process stops being used within that time.
/// </summary>
public sealed class SqliteSubjectKeyStore : ISubjectKeyStore, IDisposable
{
    private readonly string _connectionString;
    private readonly AuditMasterKey _master;
    private readonly TimeProvider _time;
    private readonly TimeSpan _cacheFor;
    private readonly bool _readOnly;
    private readonly ConcurrentDictionary<string, (SubjectKey Key, DateTimeOffset Until)> _bySubject = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (SubjectKey? Key, DateTimeOffset Until)> _byPseudonym = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;

    private SqliteSubjectKeyStore(string connectionString, AuditMasterKey master, TimeProvider time, TimeSpan cacheFor, bool readOnly)
    {
        _connectionString = connectionString;
        _master = master;
        _time = time;
        _cacheFor = cacheFor;
        _readOnly = readOnly;
    }

    /// <summary>The key table in <paramref name="databasePath"/>; <paramref name="readOnly"/> opens the file read-only (no key is ever made).</summary>
    public static SqliteSubjectKeyStore Open(string databasePath, AuditMasterKey master, TimeProvider time, bool readOnly = false, TimeSpan? cacheFor = null) =>
        new(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString(), master, time, cacheFor ?? TimeSpan.FromSeconds(1), readOnly);

    /// <summary>The master key this store wraps keys with.</summary>
    public AuditMasterKey Master => _master;

    public async ValueTask<SubjectKey> GetOrCreateAsync(string subject, CancellationToken cancellationToken)
    {
        if (_bySubject.TryGetValue(subject, out var cached) && cached.Until > _time.GetUtcNow())
        {
            return cached.Key;
        }

        var lookup = _master.Lookup(subject);
        var key = await WithConnectionAsync(async connection =>
        {
            if (await ReadAsync(connection, "lookup", lookup, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return existing;
            }

            if (_readOnly)
            {
                throw new InvalidOperationException("The audit key table is open read-only; no subject key can be made.");
            }

            var pseudonym = "psn-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var material = RandomNumberGenerator.GetBytes(32);
            await using (var insert = connection.CreateCommand())
            {
                // OR IGNORE: another process may have made this subject's key a moment ago; everyone then uses that one.
                insert.CommandText = "INSERT OR IGNORE INTO audit_subject_keys (lookup, pseudonym, wrapped, created) VALUES ($lookup, $pseudonym, $wrapped, $created)";
                insert.Parameters.AddWithValue("$lookup", lookup);
                insert.Parameters.AddWithValue("$pseudonym", pseudonym);
                insert.Parameters.AddWithValue("$wrapped", _master.Wrap(pseudonym, material));
                insert.Parameters.AddWithValue("$created", AuditRecordEncoder.FormatTimestamp(_time.GetUtcNow()));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            CryptographicOperations.ZeroMemory(material);
            return await ReadAsync(connection, "lookup", lookup, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("A subject key was written but cannot be read back.");
        }, cancellationToken).ConfigureAwait(false);

        _bySubject[subject] = (key!, _time.GetUtcNow() + _cacheFor);
        return key!;
    }

    public async ValueTask<SubjectKey?> FindAsync(string subject, CancellationToken cancellationToken)
    {
        var lookup = _master.Lookup(subject);
        return await WithConnectionAsync(connection => ReadAsync(connection, "lookup", lookup, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SubjectKey?> FindByPseudonymAsync(string pseudonym, CancellationToken cancellationToken)
    {
        if (_byPseudonym.TryGetValue(pseudonym, out var cached) && cached.Until > _time.GetUtcNow())
        {
            return cached.Key;
        }

        var key = await WithConnectionAsync(connection => ReadAsync(connection, "pseudonym", pseudonym, cancellationToken), cancellationToken).ConfigureAwait(false);
        _byPseudonym[pseudonym] = (key, _time.GetUtcNow() + _cacheFor);
        return key;
    }

    /// <summary>Drops a destroyed key from this process's caches at once.</summary>
    public void Evict(string subject, string pseudonym)
    {
        _bySubject.TryRemove(subject, out _);
        _byPseudonym.TryRemove(pseudonym, out _);
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _gate.Dispose();
    }

    private async Task<SubjectKey?> ReadAsync(SqliteConnection connection, string column, object value, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT pseudonym, wrapped, created FROM audit_subject_keys WHERE {column} = $value";
        select.Parameters.AddWithValue("$value", value);
        try
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var pseudonym = reader.GetString(0);
            var key = _master.Unwrap(pseudonym, (byte[])reader.GetValue(1))
                ?? throw new InvalidOperationException($"The key of {pseudonym} does not open with the audit privacy key ({AuditMasterKey.FileName}): it belongs to another key, or the row was altered.");
            return new SubjectKey(pseudonym, key, DateTimeOffset.Parse(reader.GetString(2), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal));
        }
        catch (SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            // A log written before subject keys existed: nothing is sealed in it.
            return null;
        }
    }

    private async Task<T> WithConnectionAsync<T>(Func<SqliteConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                var connection = new SqliteConnection(_connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (var pragma = connection.CreateCommand())
                {
                    pragma.CommandText = "PRAGMA busy_timeout=5000;";
                    await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                _connection = connection;
            }

            return await action(_connection).ConfigureAwait(false);
        }
        catch (SqliteException)
        {
            // A broken connection is not kept: the next call opens a fresh one.
            _connection?.Dispose();
            _connection = null;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }
}
