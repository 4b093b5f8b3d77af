using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

/// <summary>How <see cref="SqliteAuditMaintenance"/> signs and seals the lifecycle records it appends.</summary>
public sealed record SqliteAuditMaintenanceOptions
{
    /// <summary>The log's name, the first line of each checkpoint (the same as the store's).</summary>
    public required string Origin { get; init; }

    /// <summary>The key that signs the checkpoint each change is committed with.</summary>
    public required Func<NoteSigner> Signer { get; init; }

    /// <summary>The subject keys: destroyed by forget, used to name a held subject by pseudonym.</summary>
    public required SqliteSubjectKeyStore Keys { get; init; }

    /// <summary>Seals a lifecycle record's personal fields (the operator's identity) as the store seals every record.</summary>
    public required Func<AuditRecord, CancellationToken, ValueTask<AuditRecord>> Seal { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
