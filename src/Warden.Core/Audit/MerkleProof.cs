namespace Warden.Core.Audit;

/// <summary>Verifies RFC 6962 inclusion and consistency proofs with the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.</summary>
public static class MerkleProof
{
    /// <summary>True when <paramref name="proof"/> shows the leaf with <paramref name="leafHash"/> at <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> leaves with <paramref name="rootHash"/>.</summary>
    public static bool VerifyInclusion(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> rootHash)
    {
        if (leafIndex < 0 || leafIndex >= treeSize || leafHash.Length != MerkleHash.Size || rootHash.Length != MerkleHash.Size || !AllHashes(proof))
        {
            return false;
        }

        var fn = leafIndex;
        var sn = treeSize - 1;
        Span<byte> r = stackalloc byte[MerkleHash.Size];
        leafHash.CopyTo(r);
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.SequenceEqual(rootHash);
    }

    /// <summary>True when <paramref name="proof"/> shows the tree of <paramref name="oldSize"/> leaves with <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/> leaves with <paramref name="newRoot"/>.</summary>
    /// <remarks>Equal sizes need an empty proof and equal roots. An old size of zero is refused: it proves nothing.</remarks>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        if (oldSize <= 0 || oldSize > newSize || oldRoot.Length != MerkleHash.Size || newRoot.Length != MerkleHash.Size || !AllHashes(proof))
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (proof.Count == 0)
        {
            return false;
        }

        // When the old tree is a perfect subtree of the new one, the proof omits its root: it starts from oldRoot.
        IReadOnlyList<byte[]> path = (oldSize & (oldSize - 1)) == 0 ? [oldRoot.ToArray(), .. proof] : proof;

        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        Span<byte> fr = stackalloc byte[MerkleHash.Size];
        Span<byte> sr = stackalloc byte[MerkleHash.Size];
        path[0].CopyTo(fr);
        path[0].CopyTo(sr);
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(c, fr, fr);
                MerkleHash.Node(c, sr, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.SequenceEqual(oldRoot) && sr.SequenceEqual(newRoot);
    }

    private static bool AllHashes(IReadOnlyList<byte[]> proof)
    {
        foreach (var p in proof)
        {
            if (p is null || p.Length != MerkleHash.Size)
            {
                return false;
            }
        }

        return true;
    }
}
