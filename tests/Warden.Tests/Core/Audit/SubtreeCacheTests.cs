using Warden.Core.Audit;
using Warden.Core.Audit.Bundles;

namespace Warden.Tests.Core.Audit;

/// <summary>Proofs built over the subtree cache are the proofs built over the plain leaves.</summary>
public sealed class SubtreeCacheTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(100)]
    [InlineData(257)]
    public async Task Proofs_OverTheCache_EqualProofsOverTheLeaves(int size)
    {
        var leaves = new InMemoryLeafHashSource();
        for (var i = 0; i < size; i++)
        {
            leaves.AddData(BitConverter.GetBytes(i));
        }

        var plain = new MerkleProver(leaves);
        var cached = new MerkleProver(await SubtreeCache.BuildAsync(leaves, size, CancellationToken.None, blockSize: 4));

        Assert.Equal(await plain.RootAsync(size, CancellationToken.None), await cached.RootAsync(size, CancellationToken.None));
        for (var leaf = 0; leaf < size; leaf += Math.Max(1, size / 13))
        {
            Assert.Equal(await plain.InclusionProofAsync(leaf, size, CancellationToken.None), await cached.InclusionProofAsync(leaf, size, CancellationToken.None));
        }

        for (var old = 1; old < size; old += Math.Max(1, size / 11))
        {
            Assert.Equal(await plain.ConsistencyProofAsync(old, size, CancellationToken.None), await cached.ConsistencyProofAsync(old, size, CancellationToken.None));
        }
    }
}
