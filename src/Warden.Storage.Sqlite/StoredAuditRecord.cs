namespace Warden.Storage.Sqlite;

/// <summary>A record as the log stores it: its seq and its canonical JSON bytes, exactly as written (for exports that must stay verifiable).</summary>
public readonly record struct StoredAuditRecord(long Seq, byte[] Json);
