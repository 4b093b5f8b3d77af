using System.Buffers;

namespace Warden.Core.Audit;

/// <summary>
/// Builds RFC 6962 roots, inclusion proofs (§2.1.1) and consistency proofs (§2.1.2) from an
/// <see cref="ILeafHashSource"/>, reading leaves in bounded chunks so a proof over a log of millions of
/// records never holds the log in memory.
/// </summary>
public sealed class MerkleProver
{
    private readonly ILeafHashSource _source;
    private readonly int _chunkSize;

    /// <summary>Creates a prover; <paramref name="chunkSize"/> is the most leaf hashes read (and held) at once.</summary>
    public MerkleProver(ILeafHashSource source, int chunkSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _source = source;
        _chunkSize = chunkSize;
    }

    /// <summary>MTH of the first <paramref name="treeSize"/> leaves.</summary>
    public async ValueTask<byte[]> RootAsync(long treeSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        return treeSize == 0 ? MerkleHash.EmptyRoot.ToArray() : await SubtreeHashAsync(0, treeSize, cancellationToken);
    }

    /// <summary>The audit path PATH(m, D[n]) proving leaf <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> leaves, leaf side first.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> InclusionProofAsync(long leafIndex, long treeSize, CancellationToken cancellationToken)
    {
        if (leafIndex < 0 || leafIndex >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(leafIndex), $"Leaf {leafIndex} is not in a tree of {treeSize} leaves.");
        }

        // PATH(m, D[start:end]) walked from the root down; each step adds the sibling subtree, so reverse at the end.
        var proof = new List<byte[]>();
        long start = 0, end = treeSize, m = leafIndex;
        while (end - start > 1)
        {
            var k = MerkleHash.SplitPoint(end - start);
            if (m < k)
            {
                proof.Add(await SubtreeHashAsync(start + k, end, cancellationToken));
                end = start + k;
            }
            else
            {
                proof.Add(await SubtreeHashAsync(start, start + k, cancellationToken));
                start += k;
                m -= k;
            }
        }

        proof.Reverse();
        return proof;
    }

    /// <summary>PROOF(m, D[n]) that the tree of <paramref name="oldSize"/> leaves is a prefix of the tree of <paramref name="newSize"/> leaves.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> ConsistencyProofAsync(long oldSize, long newSize, CancellationToken cancellationToken)
    {
        if (oldSize <= 0 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), $"A consistency proof needs 0 < old size ≤ new size, got {oldSize} and {newSize}.");
        }

        // SUBPROOF(m, D[start:end], b) walked from the root down, then reversed.
        var proof = new List<byte[]>();
        long start = 0, end = newSize, m = oldSize;
        var wholeOldTree = true;
        while (true)
        {
            var size = end - start;
            if (m == size)
            {
                if (!wholeOldTree)
                {
                    proof.Add(await SubtreeHashAsync(start, end, cancellationToken));
                }

                break;
            }

            var k = MerkleHash.SplitPoint(size);
            if (m <= k)
            {
                proof.Add(await SubtreeHashAsync(start + k, end, cancellationToken));
                end = start + k;
            }
            else
            {
                proof.Add(await SubtreeHashAsync(start, start + k, cancellationToken));
                start += k;
                m -= k;
                wholeOldTree = false;
            }
        }

        proof.Reverse();
        return proof;
    }

    /// <summary>MTH(D[start:end]) for end &gt; start.</summary>
    private async ValueTask<byte[]> SubtreeHashAsync(long start, long end, CancellationToken cancellationToken)
    {
        var size = end - start;
        var hash = new byte[MerkleHash.Size];
        var perfect = (size & (size - 1)) == 0 && start % size == 0;
        if (perfect && size > 1 && await _source.TryGetSubtreeHashAsync(start, size, hash, cancellationToken))
        {
            return hash;
        }

        if (size <= _chunkSize)
        {
            var count = (int)size;
            var buffer = ArrayPool<byte>.Shared.Rent(count * MerkleHash.Size);
            try
            {
                await _source.GetLeafHashesAsync(start, count, buffer.AsMemory(0, count * MerkleHash.Size), cancellationToken);
                var tree = new CompactMerkleTree();
                for (var i = 0; i < count; i++)
                {
                    tree.Append(buffer.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
                }

                return tree.Root();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        var k = MerkleHash.SplitPoint(size);
        var left = await SubtreeHashAsync(start, start + k, cancellationToken);
        var right = await SubtreeHashAsync(start + k, end, cancellationToken);
        MerkleHash.Node(left, right, hash);
        return hash;
    }
}
