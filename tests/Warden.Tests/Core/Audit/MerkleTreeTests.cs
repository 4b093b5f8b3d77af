using System.Security.Cryptography;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>
/// RFC 6962 trees against the vectors Certificate Transparency implementations share (transparency-dev/merkle
/// testonly/constants.go and cmd/proofgen: eight leaves, every root from size 0 to 8, known proofs), plus
/// exhaustive checks that every proof over trees of 1..40 leaves verifies and that any altered proof fails.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly string[] LeafInputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    private static InMemoryLeafHashSource VectorLeaves()
    {
        var source = new InMemoryLeafHashSource();
        foreach (var input in LeafInputs)
        {
            source.AddData(Convert.FromHexString(input));
        }

        return source;
    }

    [Fact]
    public void LeafHash_VectorLeaves_MatchKnownHashes()
    {
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Hex(MerkleHash.Leaf([])));
        Assert.Equal("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", Hex(MerkleHash.Leaf([0x00])));
        Assert.Equal("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1", Hex(MerkleHash.Leaf(Convert.FromHexString(LeafInputs[7]))));
    }

    [Fact]
    public void Root_EmptyTree_IsSha256OfNothing()
    {
        Assert.Equal(Roots[0], Hex(new CompactMerkleTree().Root()));
        Assert.Equal(Roots[0], Hex(MerkleHash.Root([])));
    }

    [Fact]
    public async Task Root_EachVectorSize_MatchesKnownRoots()
    {
        var prover = new MerkleProver(VectorLeaves());
        var compact = new CompactMerkleTree();
        for (var size = 0; size <= 8; size++)
        {
            Assert.Equal(Roots[size], Hex(await prover.RootAsync(size, default)));
            Assert.Equal(Roots[size], Hex(compact.Root()));
            if (size < 8)
            {
                compact.AppendData(Convert.FromHexString(LeafInputs[size]));
            }
        }
    }

    [Theory]
    [InlineData(0, 1, new string[0])]
    [InlineData(0, 8, new[] { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    [InlineData(5, 8, new[] { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    [InlineData(2, 3, new[] { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" })]
    [InlineData(1, 5, new[] { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" })]
    public async Task InclusionProof_KnownVectors_MatchAndVerify(long leafIndex, long treeSize, string[] expected)
    {
        var source = VectorLeaves();

        var proof = await new MerkleProver(source).InclusionProofAsync(leafIndex, treeSize, default);

        Assert.Equal(expected, proof.Select(Hex));
        Assert.True(MerkleProof.VerifyInclusion(leafIndex, treeSize, source.GetLeafHash(leafIndex), proof, Convert.FromHexString(Roots[treeSize])));
    }

    [Theory]
    [InlineData(1, 1, new string[0])]
    [InlineData(1, 8, new[] { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    [InlineData(6, 8, new[] { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    [InlineData(2, 5, new[] { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" })]
    [InlineData(6, 7, new[] { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    public async Task ConsistencyProof_KnownVectors_MatchAndVerify(long oldSize, long newSize, string[] expected)
    {
        var proof = await new MerkleProver(VectorLeaves()).ConsistencyProofAsync(oldSize, newSize, default);

        Assert.Equal(expected, proof.Select(Hex));
        Assert.True(MerkleProof.VerifyConsistency(oldSize, newSize, Convert.FromHexString(Roots[oldSize]), Convert.FromHexString(Roots[newSize]), proof));
    }

    [Fact]
    public async Task InclusionProof_EveryLeafOfTreesUpTo40_VerifiesAndRejectsTampering()
    {
        var source = RandomLeaves(40);
        var prover = new MerkleProver(source, chunkSize: 3);
        for (var size = 1; size <= 40; size++)
        {
            var root = await prover.RootAsync(size, default);
            for (var index = 0; index < size; index++)
            {
                var leaf = source.GetLeafHash(index);
                var proof = await prover.InclusionProofAsync(index, size, default);

                Assert.True(MerkleProof.VerifyInclusion(index, size, leaf, proof, root), $"leaf {index} of {size}");
                Assert.False(MerkleProof.VerifyInclusion(index, size, Flip(leaf, 0), proof, root));
                Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, proof, Flip(root, 31)));
                // A path can fit a neighbouring size with the same root (3 vs 4 for leaf 0); the root binds the size,
                // so only the doubled size (the transparency-dev probe) is a shape error every proof must catch.
                Assert.False(MerkleProof.VerifyInclusion(index, size * 2, leaf, proof, root));
                if (size > 1)
                {
                    Assert.False(MerkleProof.VerifyInclusion((index + 1) % size, size, leaf, proof, root));
                }

                for (var i = 0; i < proof.Count; i++)
                {
                    var bad = proof.ToList();
                    bad[i] = Flip(bad[i], i % 32);
                    Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, bad, root));
                }

                Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [.. proof, root], root));
                if (proof.Count > 0)
                {
                    Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, proof.Take(proof.Count - 1).ToList(), root));
                }
            }
        }
    }

    [Fact]
    public async Task ConsistencyProof_EveryPairOfSizesUpTo40_VerifiesAndRejectsTampering()
    {
        var prover = new MerkleProver(RandomLeaves(40), chunkSize: 5);
        var roots = new byte[41][];
        for (var size = 1; size <= 40; size++)
        {
            roots[size] = await prover.RootAsync(size, default);
        }

        for (var newSize = 1; newSize <= 40; newSize++)
        {
            for (var oldSize = 1; oldSize <= newSize; oldSize++)
            {
                var proof = await prover.ConsistencyProofAsync(oldSize, newSize, default);

                Assert.True(MerkleProof.VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], proof), $"{oldSize} -> {newSize}");
                Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, Flip(roots[oldSize], 7), roots[newSize], proof));
                Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, roots[oldSize], Flip(roots[newSize], 7), proof));
                if (oldSize < newSize)
                {
                    Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize * 2, roots[oldSize], roots[newSize], proof));
                    Assert.False(MerkleProof.VerifyConsistency(newSize, oldSize, roots[newSize], roots[oldSize], proof));
                }

                for (var i = 0; i < proof.Count; i++)
                {
                    var bad = proof.ToList();
                    bad[i] = Flip(bad[i], 3);
                    Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], bad));
                }

                Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], [.. proof, roots[newSize]]));
            }
        }
    }

    [Fact]
    public void VerifyConsistency_OldSizeZero_IsRefused()
    {
        Assert.False(MerkleProof.VerifyConsistency(0, 1, MerkleHash.EmptyRoot, MerkleHash.EmptyRoot, []));
        Assert.False(MerkleProof.VerifyConsistency(0, 0, MerkleHash.EmptyRoot, MerkleHash.EmptyRoot, []));
    }

    [Fact]
    public async Task Prover_LargeTreeWithSmallChunksAndSubtreeCache_MatchesInMemoryRoot()
    {
        var source = new CachingSource(RandomLeaves(3001));
        var expected = MerkleHash.Root(Enumerable.Range(0, 3001).Select(i => source.Inner.GetLeafHash(i)));
        var prover = new MerkleProver(source, chunkSize: 16);

        var root = await prover.RootAsync(3001, default);
        var inclusion = await prover.InclusionProofAsync(1234, 3001, default);
        var consistency = await prover.ConsistencyProofAsync(1000, 3001, default);

        Assert.Equal(Hex(expected), Hex(root));
        Assert.True(source.CacheHits > 0);
        Assert.True(source.LargestRead <= 16);
        Assert.True(MerkleProof.VerifyInclusion(1234, 3001, source.Inner.GetLeafHash(1234), inclusion, root));
        Assert.True(MerkleProof.VerifyConsistency(1000, 3001, await prover.RootAsync(1000, default), root, consistency));
    }

    [Fact]
    public void CompactTree_ResumedFromSavedState_ContinuesIdentically()
    {
        var source = RandomLeaves(37);
        var first = new CompactMerkleTree();
        for (var i = 0; i < 21; i++)
        {
            first.Append(source.GetLeafHash(i));
        }

        var resumed = new CompactMerkleTree(first.Size, first.Nodes);
        for (var i = 21; i < 37; i++)
        {
            first.Append(source.GetLeafHash(i));
            resumed.Append(source.GetLeafHash(i));
        }

        Assert.Equal(Hex(first.Root()), Hex(resumed.Root()));
        Assert.Throws<ArgumentException>(() => new CompactMerkleTree(5, first.Nodes.Take(1)));
    }

    private static InMemoryLeafHashSource RandomLeaves(int count)
    {
        var source = new InMemoryLeafHashSource();
        for (var i = 0; i < count; i++)
        {
            source.AddData(SHA256.HashData(BitConverter.GetBytes(i)));
        }

        return source;
    }

    private static byte[] Flip(byte[] hash, int index)
    {
        var copy = (byte[])hash.Clone();
        copy[index] ^= 0x01;
        return copy;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>A source that stores the roots of perfect subtrees of 64+ leaves, as a database might.</summary>
    private sealed class CachingSource(InMemoryLeafHashSource inner) : ILeafHashSource
    {
        public InMemoryLeafHashSource Inner { get; } = inner;

        public int CacheHits { get; private set; }

        public int LargestRead { get; private set; }

        public ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken)
        {
            LargestRead = Math.Max(LargestRead, count);
            return Inner.GetLeafHashesAsync(start, count, destination, cancellationToken);
        }

        public ValueTask<bool> TryGetSubtreeHashAsync(long start, long size, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (size < 64)
            {
                return ValueTask.FromResult(false);
            }

            CacheHits++;
            MerkleHash.Root(Enumerable.Range((int)start, (int)size).Select(i => Inner.GetLeafHash(i))).CopyTo(destination);
            return ValueTask.FromResult(true);
        }
    }
}
