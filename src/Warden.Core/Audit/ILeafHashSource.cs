namespace Warden.Core.Audit;

/// <summary>Where <see cref="MerkleProver"/> reads a log's leaf hashes from (a database, a file, memory).</summary>
/// <remarks>Leaf i is the record with seq i + 1. Hashes are SHA-256(0x00 || canonical record), 32 bytes each.</remarks>
public interface ILeafHashSource
{
    /// <summary>
    /// Fills <paramref name="destination"/> (exactly <paramref name="count"/> × 32 bytes) with the leaf hashes of
    /// leaves <paramref name="start"/> … start + count - 1, in order. Only ranges inside the tree being proven are asked for.
    /// </summary>
    ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// Optionally supplies the stored root of the perfect subtree of <paramref name="size"/> leaves (a power of two)
    /// starting at <paramref name="start"/> (a multiple of size), so large proofs need not read every leaf.
    /// Such subtrees never change once complete, which makes them safe to cache. Returns false when not stored.
    /// </summary>
    ValueTask<bool> TryGetSubtreeHashAsync(long start, long size, Memory<byte> destination, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);
}
