using System.Diagnostics;

namespace Warden.LoadGen;

/// <summary>
/// The timeline of one measured run in Stopwatch timestamps: calls completing before <see cref="MeasureStart"/>
/// are warmup, and no call starts at or after <see cref="MeasureEnd"/>.
/// </summary>
internal readonly record struct RunWindow(long MeasureStart, long MeasureEnd)
{
    public static RunWindow StartingNow(TimeSpan warmup, TimeSpan duration)
    {
        var now = Stopwatch.GetTimestamp();
        var start = now + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        return new RunWindow(start, start + (long)(duration.TotalSeconds * Stopwatch.Frequency));
    }

    public bool IsMeasured(long completedAt) => completedAt >= MeasureStart && completedAt < MeasureEnd;
}
