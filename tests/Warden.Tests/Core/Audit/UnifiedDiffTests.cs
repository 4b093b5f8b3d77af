using System.Globalization;
using System.Text;
using Warden.Core.Audit.Diff;

namespace Warden.Tests.Core.Audit;

/// <summary>The line diff is minimal and the unified diff it prints is exact: applying it to the old text gives the new one.</summary>
public sealed class UnifiedDiffTests
{
    [Fact]
    public void Create_OneLineChanged_PrintsOneHunkWithThreeLinesOfContext()
    {
        var old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        var @new = "a\nb\nc\nd\nE\nf\ng\nh\n";

        var diff = UnifiedDiff.Create(old, @new, "/srv/app/notes.txt");

        Assert.Equal("""
            --- a/srv/app/notes.txt
            +++ b/srv/app/notes.txt
            @@ -2,7 +2,7 @@
             b
             c
             d
            -e
            +E
             f
             g
             h

            """.Replace("\r\n", "\n", StringComparison.Ordinal), diff);
    }

    [Fact]
    public void Create_NoOldText_IsANewFileFromDevNull()
    {
        var diff = UnifiedDiff.Create(null, "one\ntwo\n", "/tmp/new.txt");

        Assert.Equal("--- /dev/null\n+++ b/tmp/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n", diff);
    }

    [Fact]
    public void Create_LastLineLosesItsNewline_MarksIt()
    {
        var diff = UnifiedDiff.Create("x\ny\n", "x\ny", "f");

        Assert.Equal("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n x\n-y\n+y\n\\ No newline at end of file\n", diff);
    }

    [Fact]
    public void Create_FarApartChanges_AreSeparateHunks_AndCloseOnesShareOne()
    {
        var old = string.Concat(Enumerable.Range(1, 30).Select(i => $"line {i}\n"));
        var @new = old.Replace("line 2\n", "line two\n", StringComparison.Ordinal).Replace("line 25\n", "line twenty-five\n", StringComparison.Ordinal)
            .Replace("line 29\n", "", StringComparison.Ordinal);

        var diff = UnifiedDiff.Create(old, @new, "f");

        var headers = diff.Split('\n').Where(l => l.StartsWith("@@", StringComparison.Ordinal)).ToList();
        Assert.Equal(["@@ -1,5 +1,5 @@", "@@ -22,9 +22,8 @@"], headers);
        Assert.Equal(@new, Apply(old, diff));
    }

    [Fact]
    public void Create_SameText_IsEmpty()
    {
        Assert.Equal("", UnifiedDiff.Create("same\n", "same\n", "f"));
        Assert.Equal("", UnifiedDiff.Create("a\r\nb\r\n", "a\nb\n", "f"));
    }

    [Fact]
    public void Compute_RandomTexts_IsAShortestEditScriptThatRebuildsBothTexts()
    {
        var random = new Random(20261124);
        for (var round = 0; round < 300; round++)
        {
            var a = RandomLines(random, random.Next(0, 25));
            var b = random.Next(3) == 0 ? RandomLines(random, random.Next(0, 25)) : Mutate(random, a);

            var script = LineDiff.Compute(a, b);

            Assert.Equal(a, script.Where(l => l.Op != DiffOp.Insert).Select(l => l.Text));
            Assert.Equal(b, script.Where(l => l.Op != DiffOp.Delete).Select(l => l.Text));
            Assert.Equal(a.Count + b.Count - (2 * Lcs(a, b)), script.Count(l => l.Op != DiffOp.Equal));
        }
    }

    [Fact]
    public void Create_RandomTexts_AppliesBackToTheNewText()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var old = string.Concat(RandomLines(random, random.Next(0, 40)));
            var @new = string.Concat(Mutate(random, UnifiedDiff.SplitLines(old)));
            if (random.Next(4) == 0)
            {
                @new = @new.TrimEnd('\n');
            }

            var diff = UnifiedDiff.Create(old, @new, "f", context: random.Next(0, 4));

            Assert.Equal(@new, diff.Length == 0 ? old : Apply(old, diff));
        }
    }

    [Fact]
    public void Compute_BeyondTheEditDistanceLimit_StillRebuildsBothTexts()
    {
        var a = Enumerable.Range(0, LineDiff.MaxEditDistance + 50).Select(i => $"a{i}\n").ToList();
        var b = Enumerable.Range(0, LineDiff.MaxEditDistance + 50).Select(i => $"b{i}\n").ToList();
        a.Insert(0, "shared\n");
        b.Insert(0, "shared\n");

        var script = LineDiff.Compute(a, b);

        Assert.Equal(a, script.Where(l => l.Op != DiffOp.Insert).Select(l => l.Text));
        Assert.Equal(b, script.Where(l => l.Op != DiffOp.Delete).Select(l => l.Text));
        Assert.Equal(new DiffLine(DiffOp.Equal, "shared\n"), script[0]);
    }

    private static List<string> RandomLines(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => ((char)('a' + random.Next(5))).ToString() + "\n").ToList();

    private static List<string> Mutate(Random random, IReadOnlyList<string> lines)
    {
        var result = lines.ToList();
        for (var edits = random.Next(0, 6); edits > 0; edits--)
        {
            var at = random.Next(result.Count + 1);
            switch (random.Next(3))
            {
                case 0 when at < result.Count:
                    result.RemoveAt(at);
                    break;
                case 1 when at < result.Count:
                    result[at] = "changed " + random.Next(100).ToString(CultureInfo.InvariantCulture) + "\n";
                    break;
                default:
                    result.Insert(at, "new " + random.Next(100).ToString(CultureInfo.InvariantCulture) + "\n");
                    break;
            }
        }

        return result;
    }

    private static int Lcs(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var table = new int[a.Count + 1, b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            for (var j = 1; j <= b.Count; j++)
            {
                table[i, j] = a[i - 1] == b[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
            }
        }

        return table[a.Count, b.Count];
    }

    // A minimal `patch`: checks every context and removed line against the old text, so a wrong hunk fails the test.
    private static string Apply(string old, string diff)
    {
        var source = UnifiedDiff.SplitLines(old);
        var output = new StringBuilder();
        var lines = diff.Split('\n');
        var position = 0;
        for (var i = 2; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                var oldRange = line.Split(' ')[1][1..].Split(',');
                var start = int.Parse(oldRange[0], CultureInfo.InvariantCulture);
                var count = oldRange.Length > 1 ? int.Parse(oldRange[1], CultureInfo.InvariantCulture) : 1;
                var target = count == 0 ? start : start - 1;
                while (position < target)
                {
                    output.Append(source[position++]);
                }

                continue;
            }

            if (line.Length == 0)
            {
                continue;
            }

            var noNewline = i + 1 < lines.Length && lines[i + 1] == UnifiedDiff.NoNewlineMarker;
            var text = line[1..] + (noNewline ? "" : "\n");
            switch (line[0])
            {
                case ' ':
                    Assert.Equal(source[position++], text);
                    output.Append(text);
                    break;
                case '-':
                    Assert.Equal(source[position++], text);
                    break;
                case '+':
                    output.Append(text);
                    break;
                case '\\':
                    break;
                default:
                    throw new InvalidOperationException($"unexpected diff line '{line}'");
            }
        }

        while (position < source.Count)
        {
            output.Append(source[position++]);
        }

        return output.ToString();
    }
}
