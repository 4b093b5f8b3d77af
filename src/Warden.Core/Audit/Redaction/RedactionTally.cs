namespace Warden.Core.Audit.Redaction;

/// <summary>How many values each redaction rule replaced while one record was built (names and counts, never values).</summary>
public sealed class RedactionTally
{
    private Dictionary<string, int>? _counts;

    /// <summary>Redactions made so far, across all rules.</summary>
    public int Total { get; private set; }

    /// <summary>Counts one redaction by <paramref name="rule"/>.</summary>
    public void Add(string rule)
    {
        _counts ??= new Dictionary<string, int>(StringComparer.Ordinal);
        _counts[rule] = _counts.GetValueOrDefault(rule) + 1;
        Total++;
    }

    /// <summary>Adds everything <paramref name="other"/> counted.</summary>
    public void AddAll(RedactionTally other)
    {
        foreach (var (rule, count) in other._counts ?? [])
        {
            _counts ??= new Dictionary<string, int>(StringComparer.Ordinal);
            _counts[rule] = _counts.GetValueOrDefault(rule) + count;
            Total += count;
        }
    }

    /// <summary>Rule name → count, or null when nothing was redacted (the record then has no <c>redactions</c> field).</summary>
    public IReadOnlyDictionary<string, int>? ToDictionary() =>
        _counts is { Count: > 0 } counts ? new SortedDictionary<string, int>(counts, StringComparer.Ordinal) : null;
}
