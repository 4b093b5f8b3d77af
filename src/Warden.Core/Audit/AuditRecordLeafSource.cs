using System.Buffers;

namespace Warden.Core.Audit;

/// <summary>
/// Leaf hashes computed from the records themselves (SHA-256(0x00 || canonical record)) rather than read from a
/// stored copy, so proofs built on it stand on exactly what <see cref="AuditVerifier"/> checked.
/// </summary>
/// <param name="read">Reads records from a seq on, in seq order (e.g. a store's <c>ReadAsync</c>).</param>
public sealed class AuditRecordLeafSource(Func<long, CancellationToken, IAsyncEnumerable<AuditRecord>> read) : ILeafHashSource
{
    public async ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var scratch = new ArrayBufferWriter<byte>(4096);
        var recordHash = new byte[MerkleHash.Size];
        var filled = 0;
        await foreach (var record in read(start + 1, cancellationToken).ConfigureAwait(false))
        {
            if (filled == count)
            {
                break;
            }

            if (record.Seq != start + filled + 1)
            {
                throw new InvalidOperationException($"The audit log has seq {record.Seq} where seq {start + filled + 1} belongs; run 'warden audit verify'.");
            }

            var leaf = destination.Span.Slice(filled * MerkleHash.Size, MerkleHash.Size);
            if (record.Pruned is { } tombstone)
            {
                // A pruned record's leaf is all that is left of it; the verifier has checked it against the signed roots.
                Convert.FromHexString(tombstone.LeafHash, leaf, out _, out _);
            }
            else
            {
                AuditRecordEncoder.ComputeHashes(record, scratch, recordHash, leaf);
            }
            filled++;
        }

        if (filled != count)
        {
            throw new InvalidOperationException($"The audit log holds fewer than {start + count} records; run 'warden audit verify'.");
        }
    }
}
