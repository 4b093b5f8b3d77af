using Warden.Core.Audit;
using Warden.Storage.Sqlite;

namespace Warden.Tests.Storage;

/// <summary>The audit store contract on SQLite: one database file per test.</summary>
public sealed class SqliteAuditStoreContractTests : AuditStoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("warden-audit-contract-").FullName;

    protected override async Task<IAuditStore> OpenAsync(AuditStoreSettings settings) =>
        await SqliteAuditStore.OpenAsync(Path.Combine(_directory, "audit.db"), new SqliteAuditStoreOptions
        {
            Durability = settings.Durability,
            CheckpointEvery = settings.CheckpointEvery,
            // Long enough never to fire during a test: checkpoints come from the record count and shutdown only.
            CheckpointInterval = TimeSpan.FromHours(1),
            Origin = settings.Origin,
            Signer = settings.Signer,
        });

    public override void Dispose()
    {
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
