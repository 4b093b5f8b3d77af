namespace Warden.Core.Audit.Bundles;

/// <summary>
/// An <see cref="ILeafHashSource"/> that remembers the roots of the aligned perfect subtrees of at least
/// <c>blockSize</c> leaves of one tree, computed in a single pass over its leaves. Proving many records of a large
/// log then costs O(log n) lookups and a few small blocks each, not a pass over the log per proof.
/// </summary>
public sealed class SubtreeCache : ILeafHashSource
{
    private readonly ILeafHashSource _inner;
    private readonly Dictionary<(long Start, long Size), byte[]> _roots = [];

    private SubtreeCache(ILeafHashSource inner) => _inner = inner;

    /// <summary>Reads the first <paramref name="treeSize"/> leaves of <paramref name="inner"/> once and keeps the subtree roots.</summary>
    public static async Task<SubtreeCache> BuildAsync(ILeafHashSource inner, long treeSize, CancellationToken cancellationToken, int blockSize = 256)
    {
        if (blockSize < 2 || (blockSize & (blockSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), "The block size is a power of two, at least 2.");
        }

        var cache = new SubtreeCache(inner);
        var stack = new List<(long Start, long Size, byte[] Root)>();
        var buffer = new byte[blockSize * MerkleHash.Size];
        for (long start = 0; start + blockSize <= treeSize; start += blockSize)
        {
            await inner.GetLeafHashesAsync(start, blockSize, buffer, cancellationToken).ConfigureAwait(false);
            var tree = new CompactMerkleTree();
            for (var i = 0; i < blockSize; i++)
            {
                tree.Append(buffer.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
            }

            var node = (Start: start, Size: (long)blockSize, Root: tree.Root());
            cache._roots[(node.Start, node.Size)] = node.Root;
            while (stack.Count > 0 && stack[^1].Size == node.Size)
            {
                var left = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                node = (left.Start, left.Size * 2, MerkleHash.Node(left.Root, node.Root));
                cache._roots[(node.Start, node.Size)] = node.Root;
            }

            stack.Add(node);
        }

        return cache;
    }

    public ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken) =>
        _inner.GetLeafHashesAsync(start, count, destination, cancellationToken);

    public ValueTask<bool> TryGetSubtreeHashAsync(long start, long size, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (!_roots.TryGetValue((start, size), out var root))
        {
            return ValueTask.FromResult(false);
        }

        root.CopyTo(destination);
        return ValueTask.FromResult(true);
    }
}
