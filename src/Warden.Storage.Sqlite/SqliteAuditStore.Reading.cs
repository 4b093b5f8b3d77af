using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

// Reading the log goes through the same reader the CLI uses (one copy of the SQL), over the store's file.
public sealed partial class SqliteAuditStore
{
    /// <summary>A reader over this store's file, for code that reads the log beside the writer.</summary>
    public SqliteAuditReader Reader { get; }

    public ILeafHashSource LeafHashes => Reader.LeafHashes;

    public IAsyncEnumerable<AuditRecord> ReadAsync(long fromSeq, CancellationToken cancellationToken) => Reader.ReadAsync(fromSeq, cancellationToken);

    public Task<AuditRecord?> FindAsync(string id, CancellationToken cancellationToken) => Reader.FindAsync(id, cancellationToken);

    public Task<IReadOnlyList<string>> CheckpointsAsync(CancellationToken cancellationToken) => Reader.CheckpointsAsync(cancellationToken);

    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken) => Reader.QueryAsync(query, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken) => Reader.CountAsync(cancellationToken);
}
