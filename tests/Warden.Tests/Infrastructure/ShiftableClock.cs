namespace Warden.Tests.Infrastructure;

/// <summary>
/// The system clock moved forward on demand, so a test can make sessions idle or expired without waiting.
/// Timers still run in real time.
/// </summary>
internal sealed class ShiftableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
