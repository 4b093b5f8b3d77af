using System.Diagnostics;

namespace Warden.LoadGen;

/// <summary>Percentiles of successful calls, in milliseconds (nearest-rank over every sample, no bucketing).</summary>
internal readonly record struct LatencyStats(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static LatencyStats From(IEnumerable<IReadOnlyList<long>> sampleSets)
    {
        var all = sampleSets.SelectMany(s => s).ToArray();
        if (all.Length == 0)
        {
            return default;
        }

        Array.Sort(all);
        return new LatencyStats(
            all.Length,
            ToMs(Percentile(all, 50)),
            ToMs(Percentile(all, 90)),
            ToMs(Percentile(all, 99)),
            ToMs(all[^1]),
            ToMs((long)all.Average()));
    }

    private static long Percentile(long[] sorted, double percent)
    {
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
