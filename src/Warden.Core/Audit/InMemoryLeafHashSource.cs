namespace Warden.Core.Audit;

/// <summary>An <see cref="ILeafHashSource"/> over leaf hashes held in memory (tests, offline bundle checks).</summary>
public sealed class InMemoryLeafHashSource : ILeafHashSource
{
    private readonly List<byte[]> _leaves = [];

    /// <summary>Number of leaves held.</summary>
    public long Count => _leaves.Count;

    /// <summary>Adds the leaf for <paramref name="data"/> (hashed as SHA-256(0x00 || data)).</summary>
    public void AddData(ReadOnlySpan<byte> data) => _leaves.Add(MerkleHash.Leaf(data));

    /// <summary>Adds an already computed 32-byte leaf hash.</summary>
    public void AddLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"A leaf hash must be {MerkleHash.Size} bytes.", nameof(leafHash));
        }

        _leaves.Add(leafHash.ToArray());
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] GetLeafHash(long index) => _leaves[checked((int)index)];

    /// <inheritdoc />
    public ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (start < 0 || count < 0 || start + count > _leaves.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Leaves {start}..{start + count - 1} are outside a log of {_leaves.Count} leaves.");
        }

        var span = destination.Span;
        for (var i = 0; i < count; i++)
        {
            _leaves[(int)start + i].CopyTo(span[(i * MerkleHash.Size)..]);
        }

        return ValueTask.CompletedTask;
    }
}
