namespace Warden.Core.Audit;

/// <summary>
/// An append-only RFC 6962 Merkle tree that keeps only the roots of its perfect subtrees (at most 64 hashes),
/// so a writer or verifier can follow a log of any length and read the root at any size in O(log n) memory.
/// </summary>
public sealed class CompactMerkleTree
{
    // Roots of the perfect subtrees that make up the tree, left to right; their sizes are the set bits of Size,
    // largest first.
    private readonly List<byte[]> _nodes = [];

    /// <summary>An empty tree.</summary>
    public CompactMerkleTree()
    {
    }

    /// <summary>Resumes a tree from state saved with <see cref="Size"/> and <see cref="Nodes"/>.</summary>
    public CompactMerkleTree(long size, IEnumerable<byte[]> nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        foreach (var node in nodes)
        {
            if (node.Length != MerkleHash.Size)
            {
                throw new ArgumentException($"Each node must be a {MerkleHash.Size}-byte hash.", nameof(nodes));
            }

            _nodes.Add((byte[])node.Clone());
        }

        if (_nodes.Count != long.PopCount(size))
        {
            throw new ArgumentException($"A tree of size {size} has {long.PopCount(size)} perfect subtrees, but {_nodes.Count} were given.", nameof(nodes));
        }

        Size = size;
    }

    /// <summary>Number of leaves appended so far.</summary>
    public long Size { get; private set; }

    /// <summary>The perfect-subtree roots, left to right (save these with <see cref="Size"/> to resume later).</summary>
    public IReadOnlyList<byte[]> Nodes => _nodes;

    /// <summary>Appends the leaf hash (already SHA-256(0x00 || data)) of the next leaf.</summary>
    public void Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"A leaf hash must be {MerkleHash.Size} bytes.", nameof(leafHash));
        }

        var hash = leafHash.ToArray();
        // Each trailing 1 bit of the old size is a perfect subtree of the new leaf's size that now pairs up.
        for (var size = Size; (size & 1) == 1; size >>= 1)
        {
            MerkleHash.Node(_nodes[^1], hash, hash);
            _nodes.RemoveAt(_nodes.Count - 1);
        }

        _nodes.Add(hash);
        Size++;
    }

    /// <summary>Appends the leaf for <paramref name="data"/>, hashing it as RFC 6962 prescribes.</summary>
    public void AppendData(ReadOnlySpan<byte> data)
    {
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(data, leaf);
        Append(leaf);
    }

    /// <summary>MTH of all leaves appended so far.</summary>
    public byte[] Root()
    {
        if (_nodes.Count == 0)
        {
            return MerkleHash.EmptyRoot.ToArray();
        }

        // Fold right to left: the smallest subtree is the deepest right child in RFC 6962's decomposition.
        var hash = (byte[])_nodes[^1].Clone();
        for (var i = _nodes.Count - 2; i >= 0; i--)
        {
            MerkleHash.Node(_nodes[i], hash, hash);
        }

        return hash;
    }
}
