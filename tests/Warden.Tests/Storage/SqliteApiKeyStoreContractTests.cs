using Microsoft.Data.Sqlite;
using Warden.Core.Identity;
using Warden.Storage.Sqlite.Identity;

namespace Warden.Tests.Storage;

/// <summary>The API key store contract on SQLite (identity.db), plus what only the file can show: mode and schema version.</summary>
public sealed class SqliteApiKeyStoreContractTests : ApiKeyStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("warden-identity-contract-").FullName;
    private readonly List<SqliteIdentityDatabase> _opened = [];

    private string Database => Path.Combine(_directory, SqliteIdentityDatabase.FileName);

    protected override async Task<IApiKeyStore> OpenAsync()
    {
        var database = await SqliteIdentityDatabase.OpenAsync(Database);
        _opened.Add(database);
        return new SqliteApiKeyStore(database);
    }

    [Fact]
    public async Task Open_NewFile_IsOwnerOnlyAtTheCurrentSchemaVersion()
    {
        await OpenAsync();

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Database));
        }

        Assert.Equal(SqliteIdentityMigrations.Current, await UserVersionAsync());
    }

    [Fact]
    public async Task Open_FileFromANewerWarden_IsRefusedSayingSo()
    {
        await OpenAsync();
        await using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {SqliteIdentityMigrations.Current + 1};";
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteIdentityDatabase.OpenAsync(Database));
        Assert.Contains("newer than this Warden understands", error.Message, StringComparison.Ordinal);
    }

    private async Task<long> UserVersionAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose()
    {
        foreach (var database in _opened)
        {
            database.Dispose();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
