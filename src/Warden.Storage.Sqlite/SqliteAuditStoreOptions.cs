using Warden.Core.Audit;
using Warden.Core.Configuration;

namespace Warden.Storage.Sqlite;

/// <summary>How a <see cref="SqliteAuditStore"/> commits and signs.</summary>
public sealed record SqliteAuditStoreOptions
{
    public AuditDurability Durability { get; init; } = AuditDurability.Sync;

    public int CheckpointEvery { get; init; } = 1000;

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The log's name, the first line of each checkpoint.</summary>
    public required string Origin { get; init; }

    /// <summary>The key that signs checkpoints (the key store's active key, read at each checkpoint so rotation takes effect).</summary>
    public required Func<NoteSigner> Signer { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Seals a record's personal fields before it is placed (see <see cref="Core.Audit.Privacy.AuditRecordSealer"/>);
    /// null stores records as given.
    /// </summary>
    public Func<AuditRecord, CancellationToken, ValueTask<AuditRecord>>? Seal { get; init; }
}
