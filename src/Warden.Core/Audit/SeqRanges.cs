using System.Globalization;
using System.Text;

namespace Warden.Core.Audit;

/// <summary>
/// A set of record seqs kept as sorted, disjoint ranges, written as <c>first-last</c> (or <c>n</c>) per range: how
/// prune records list the records they pruned, and how the verifier tracks tombstones still to be accounted for.
/// </summary>
public sealed class SeqRanges
{
    private readonly List<(long First, long Last)> _ranges = [];

    /// <summary>The ranges, ascending.</summary>
    public IReadOnlyList<(long First, long Last)> Ranges => _ranges;

    /// <summary>How many seqs the set holds.</summary>
    public long Count => _ranges.Sum(r => r.Last - r.First + 1);

    /// <summary>True when the set is empty.</summary>
    public bool IsEmpty => _ranges.Count == 0;

    /// <summary>Adds <paramref name="seq"/>, which must be larger than every seq already added.</summary>
    public void Append(long seq)
    {
        if (_ranges.Count > 0 && seq <= _ranges[^1].Last)
        {
            throw new ArgumentOutOfRangeException(nameof(seq), seq, "Seqs must be appended in ascending order.");
        }

        if (_ranges.Count > 0 && _ranges[^1].Last == seq - 1)
        {
            _ranges[^1] = (_ranges[^1].First, seq);
        }
        else
        {
            _ranges.Add((seq, seq));
        }
    }

    /// <summary>Removes every seq in <paramref name="first"/>..<paramref name="last"/> from the set.</summary>
    public void Remove(long first, long last)
    {
        for (var i = 0; i < _ranges.Count; i++)
        {
            var (a, b) = _ranges[i];
            if (b < first || a > last)
            {
                continue;
            }

            _ranges.RemoveAt(i);
            if (b > last)
            {
                _ranges.Insert(i, (last + 1, b));
            }

            if (a < first)
            {
                _ranges.Insert(i, (a, first - 1));
                i++;
            }

            i--;
        }
    }

    /// <summary>One range as text: <c>first-last</c>, or the seq alone when the range holds one.</summary>
    public static string Format(long first, long last) =>
        first == last ? first.ToString(CultureInfo.InvariantCulture) : $"{first.ToString(CultureInfo.InvariantCulture)}-{last.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>first-last</c> or <c>n</c>; false when the text is neither (or the range is empty).</summary>
    public static bool TryParse(string text, out long first, out long last)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        bool ok;
        if (dash < 0)
        {
            ok = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out first);
            last = first;
        }
        else
        {
            ok = long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out first)
                & long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out last);
        }

        return ok && first >= 1 && first <= last;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (first, last) in _ranges)
        {
            text.Append(text.Length == 0 ? "" : ",").Append(Format(first, last));
        }

        return text.ToString();
    }
}
