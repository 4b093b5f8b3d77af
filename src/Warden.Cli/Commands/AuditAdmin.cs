using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// The audit log opened for a lifecycle change (<c>forget</c>, <c>hold</c>, <c>prune</c>): the database <c>serve</c>
/// writes, its signing key (each change is committed with a signed checkpoint) and its privacy master key. Safe while
/// Warden serves: SQLite's write lock orders the two writers and each chains onto what the other appended.
/// </summary>
internal sealed class AuditAdmin : IDisposable
{
    private readonly AuditKeyStore _signing;
    private readonly AuditMasterKey _master;

    private AuditAdmin(WardenConfig config, string databasePath, AuditKeyStore signing, AuditMasterKey master, SqliteSubjectKeyStore keys, SqliteAuditMaintenance maintenance)
    {
        Config = config;
        DatabasePath = databasePath;
        _signing = signing;
        _master = master;
        Keys = keys;
        Maintenance = maintenance;
        Reader = SqliteAuditReader.OpenReadOnly(databasePath);
        Sealer = new AuditRecordSealer(keys);
    }

    public WardenConfig Config { get; }

    public string DatabasePath { get; }

    public SqliteSubjectKeyStore Keys { get; }

    public SqliteAuditMaintenance Maintenance { get; }

    public SqliteAuditReader Reader { get; }

    public AuditRecordSealer Sealer { get; }

    /// <summary>Who the lifecycle records name as acting: the operating-system user running the command.</summary>
    public static AuditUserIdentity Operator { get; } = new() { Subject = Environment.UserName, AuthMethod = "local", Roles = ["operator"] };

    /// <summary>Opens the log for changes; on failure writes what to do to stderr and returns null (exit 2).</summary>
    public static async Task<AuditAdmin?> OpenAsync(FileInfo? configFile, DirectoryInfo? data, CancellationToken cancellationToken)
    {
        if (WardenEnvironment.LocateAuditLog(configFile, data, "nothing was changed") is not (var config, var dataDirectory, var databasePath))
        {
            return null;
        }

        if (!File.Exists(Path.Combine(dataDirectory, AuditKeyStore.SigningKeyFileName)))
        {
            Console.Error.WriteLine($"No audit signing key in '{dataDirectory}': every change to the log is committed with a signed checkpoint. "
                + "Run this on the Warden host, with the data directory `warden serve` uses.");
            return null;
        }

        AuditKeyStore? signing = null;
        AuditMasterKey? master = null;
        try
        {
            signing = new AuditKeyStore(dataDirectory, WardenGatewayExtensions.AuditOrigin(config), TimeProvider.System);
            master = AuditMasterKey.LoadOrCreate(dataDirectory);
            var (keys, maintenance) = await OpenMaintenanceAsync(config, databasePath, signing, master, cancellationToken);
            return new AuditAdmin(config, databasePath, signing, master, keys, maintenance);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            signing?.Dispose();
            master?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The log's maintenance writer (sealed records, each change committed with a signed checkpoint), as every CLI
    /// command that changes the log opens it. The caller disposes the returned key store.
    /// </summary>
    public static async Task<(SqliteSubjectKeyStore Keys, SqliteAuditMaintenance Maintenance)> OpenMaintenanceAsync(
        WardenConfig config, string databasePath, AuditKeyStore signing, AuditMasterKey master, CancellationToken cancellationToken)
    {
        var signer = signing.GetSigner();
        var keys = SqliteSubjectKeyStore.Open(databasePath, master, TimeProvider.System);
        var sealer = new AuditRecordSealer(keys);
        var maintenance = await SqliteAuditMaintenance.OpenAsync(databasePath, new SqliteAuditMaintenanceOptions
        {
            // The origin serve signs with: the configured one, else the signing key's name (which serve named after it).
            Origin = config.Audit.Origin ?? signer.Name,
            Signer = signing.GetSigner,
            Keys = keys,
            Seal = (record, ct) => sealer.SealAsync(record, config.Audit.Privacy.EncryptContent, ct),
        }, cancellationToken);
        return (keys, maintenance);
    }

    public void Dispose()
    {
        Keys.Dispose();
        _master.Dispose();
        _signing.Dispose();
    }
}
