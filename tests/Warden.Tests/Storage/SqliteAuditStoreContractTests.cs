using System.Security.Cryptography;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Storage.Sqlite;

namespace Warden.Tests.Storage;

/// <summary>The audit store contract on SQLite: one database file per test.</summary>
public sealed class SqliteAuditStoreContractTests : AuditStoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("warden-audit-contract-").FullName;
    private readonly AuditMasterKey _master = AuditMasterKey.FromBytes(RandomNumberGenerator.GetBytes(32));
    private SqliteSubjectKeyStore? _keys;

    private string Database => Path.Combine(_directory, "audit.db");

    // One key table per test location, opened once the store has created it.
    private SqliteSubjectKeyStore Keys => _keys ??= SqliteSubjectKeyStore.Open(Database, _master, TimeProvider.System);

    protected override async Task<IAuditStore> OpenAsync(AuditStoreSettings settings) =>
        await SqliteAuditStore.OpenAsync(Database, new SqliteAuditStoreOptions
        {
            Durability = settings.Durability,
            CheckpointEvery = settings.CheckpointEvery,
            // Long enough never to fire during a test: checkpoints come from the record count and shutdown only.
            CheckpointInterval = TimeSpan.FromHours(1),
            Origin = settings.Origin,
            Signer = settings.Signer,
            Seal = settings.Sealed ? (record, ct) => new AuditRecordSealer(Keys).SealAsync(record, encryptContent: false, ct) : null,
        });

    protected override async Task<IAuditLifecycle> OpenLifecycleAsync(AuditStoreSettings settings) =>
        await SqliteAuditMaintenance.OpenAsync(Database, new SqliteAuditMaintenanceOptions
        {
            Origin = settings.Origin,
            Signer = settings.Signer,
            Keys = Keys,
            Seal = settings.Sealed ? (record, ct) => new AuditRecordSealer(Keys).SealAsync(record, encryptContent: false, ct) : (record, _) => ValueTask.FromResult(record),
        });

    protected override AuditRecordSealer Opener() => new(Keys);

    public override void Dispose()
    {
        _keys?.Dispose();
        _master.Dispose();
        base.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean if something still holds it.
        }
    }
}
