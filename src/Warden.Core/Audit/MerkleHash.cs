using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;

namespace Warden.Core.Audit;

/// <summary>The RFC 6962 §2.1 hashing of a Merkle tree with SHA-256: domain-separated leaves and interior nodes.</summary>
public static class MerkleHash
{
    /// <summary>Size of every hash in the tree, in bytes.</summary>
    public const int Size = 32;

    /// <summary>MTH({}) = SHA-256 of the empty string (e3b0c442…b855).</summary>
    public static ReadOnlySpan<byte> EmptyRoot =>
    [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    ];

    /// <summary>Leaf hash: SHA-256(0x00 || data).</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        var hash = new byte[Size];
        Leaf(data, hash);
        return hash;
    }

    /// <summary>Writes SHA-256(0x00 || data) into <paramref name="destination"/>.</summary>
    public static void Leaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var length = data.Length + 1;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            rented[0] = 0x00;
            data.CopyTo(rented.AsSpan(1));
            SHA256.HashData(rented.AsSpan(0, length), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Interior node hash: SHA-256(0x01 || left || right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    /// <summary>Writes SHA-256(0x01 || left || right) into <paramref name="destination"/> (which may alias either input).</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Size)];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        SHA256.HashData(input, destination);
    }

    /// <summary>MTH(D[n]) of leaf hashes held in memory (n may be any size, including zero).</summary>
    public static byte[] Root(IEnumerable<byte[]> leafHashes)
    {
        var tree = new CompactMerkleTree();
        foreach (var leaf in leafHashes)
        {
            tree.Append(leaf);
        }

        return tree.Root();
    }

    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n ≥ 2): RFC 6962's split point k.</summary>
    internal static long SplitPoint(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));
}
