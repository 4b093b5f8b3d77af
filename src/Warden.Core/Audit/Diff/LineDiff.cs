namespace Warden.Core.Audit.Diff;

/// <summary>
/// A shortest line edit script between two lists of lines (Myers' O(ND) algorithm, "An O(ND) Difference
/// Algorithm and Its Variations", 1986), after stripping the common head and tail.
/// </summary>
public static class LineDiff
{
    /// <summary>
    /// Past this many differing lines the middle is reported as removed and re-added whole: the diff stays correct,
    /// only no longer minimal, and the search's memory (which grows with the square of the distance) stays bounded.
    /// </summary>
    public const int MaxEditDistance = 1000;

    /// <summary>The lines of <paramref name="oldLines"/> and <paramref name="newLines"/> in order, each marked kept, deleted or inserted.</summary>
    public static IReadOnlyList<DiffLine> Compute(IReadOnlyList<string> oldLines, IReadOnlyList<string> newLines)
    {
        var prefix = 0;
        while (prefix < oldLines.Count && prefix < newLines.Count && oldLines[prefix] == newLines[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < oldLines.Count - prefix && suffix < newLines.Count - prefix
            && oldLines[oldLines.Count - 1 - suffix] == newLines[newLines.Count - 1 - suffix])
        {
            suffix++;
        }

        var result = new List<DiffLine>(Math.Max(oldLines.Count, newLines.Count) + 8);
        for (var i = 0; i < prefix; i++)
        {
            result.Add(new DiffLine(DiffOp.Equal, oldLines[i]));
        }

        Middle(new Slice(oldLines, prefix, oldLines.Count - suffix), new Slice(newLines, prefix, newLines.Count - suffix), result);
        for (var i = oldLines.Count - suffix; i < oldLines.Count; i++)
        {
            result.Add(new DiffLine(DiffOp.Equal, oldLines[i]));
        }

        DeletionsFirst(result);
        return result;
    }

    // Within each run of changes, removed lines before added ones (as diff and git print them); both texts read the same.
    private static void DeletionsFirst(List<DiffLine> lines)
    {
        var start = 0;
        while (start < lines.Count)
        {
            if (lines[start].Op == DiffOp.Equal)
            {
                start++;
                continue;
            }

            var end = start;
            while (end < lines.Count && lines[end].Op != DiffOp.Equal)
            {
                end++;
            }

            var run = lines.GetRange(start, end - start);
            var ordered = run.Where(l => l.Op == DiffOp.Delete).Concat(run.Where(l => l.Op == DiffOp.Insert)).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                lines[start + i] = ordered[i];
            }

            start = end;
        }
    }

    private static void Middle(Slice a, Slice b, List<DiffLine> result)
    {
        int n = a.Count, m = b.Count;
        if (n == 0 || m == 0)
        {
            Replace(a, b, result);
            return;
        }

        var limit = Math.Min(n + m, MaxEditDistance);
        var offset = limit + 1;
        var v = new int[(2 * limit) + 3];

        // trace[d] holds V after step d for diagonals k = -d..d (index k + d).
        var trace = new List<int[]>();
        for (var d = 0; d <= limit; d++)
        {
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    x++;
                    y++;
                }

                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    trace.Add(v.AsSpan(offset - d, (2 * d) + 1).ToArray());
                    Backtrack(a, b, trace, d, result);
                    return;
                }
            }

            trace.Add(v.AsSpan(offset - d, (2 * d) + 1).ToArray());
        }

        Replace(a, b, result);
    }

    // Walks the trace back from (n, m) to (0, 0), collecting the script in reverse.
    private static void Backtrack(Slice a, Slice b, List<int[]> trace, int distance, List<DiffLine> result)
    {
        var reversed = new List<DiffLine>(a.Count + b.Count);
        int x = a.Count, y = b.Count;
        for (var d = distance; d > 0; d--)
        {
            var previous = trace[d - 1];
            var k = x - y;
            var down = k == -d || (k != d && At(previous, d - 1, k - 1) < At(previous, d - 1, k + 1));
            var previousK = down ? k + 1 : k - 1;
            var previousX = At(previous, d - 1, previousK);
            var previousY = previousX - previousK;
            while (x > previousX && y > previousY)
            {
                reversed.Add(new DiffLine(DiffOp.Equal, a[--x]));
                y--;
            }

            if (down)
            {
                reversed.Add(new DiffLine(DiffOp.Insert, b[--y]));
            }
            else
            {
                reversed.Add(new DiffLine(DiffOp.Delete, a[--x]));
            }
        }

        while (x > 0 && y > 0)
        {
            reversed.Add(new DiffLine(DiffOp.Equal, a[--x]));
            y--;
        }

        reversed.Reverse();
        result.AddRange(reversed);
    }

    private static int At(int[] snapshot, int d, int k) => snapshot[k + d];

    private static void Replace(Slice a, Slice b, List<DiffLine> result)
    {
        for (var i = 0; i < a.Count; i++)
        {
            result.Add(new DiffLine(DiffOp.Delete, a[i]));
        }

        for (var i = 0; i < b.Count; i++)
        {
            result.Add(new DiffLine(DiffOp.Insert, b[i]));
        }
    }

    private readonly struct Slice(IReadOnlyList<string> lines, int start, int end)
    {
        public int Count => end - start;

        public string this[int index] => lines[start + index];
    }
}
