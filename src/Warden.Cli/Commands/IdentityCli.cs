using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Gateway.Hosting;
using Warden.Storage.Sqlite.Identity;

namespace Warden.Cli.Commands;

/// <summary>Opens what the identity commands (<c>keys</c>, <c>credentials</c>) work on: the configuration, the identity key and the identity database.</summary>
internal static class IdentityCli
{
    public static Task<int> RunAsync(FileInfo? configFile, DirectoryInfo? data, Func<IdentityKey, SqliteIdentityDatabase, WardenConfig, string, Task<int>> action) => AuditLog.RunAsync(async () =>
    {
        if (WardenEnvironment.LoadConfig(configFile, "nothing was changed") is not { } config)
        {
            return AuditLog.UsageError;
        }

        var dataDirectory = WardenEnvironment.DataDirectory(data);
        IdentityKey key;
        try
        {
            key = IdentityKey.Load(config.Auth.IdentityKey, dataDirectory);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return AuditLog.UsageError;
        }

        using (key)
        using (var database = await SqliteIdentityDatabase.OpenAsync(WardenGatewayExtensions.IdentityDatabasePath(dataDirectory)))
        {
            return await action(key, database, config, dataDirectory);
        }
    });
}
