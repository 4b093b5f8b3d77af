namespace Warden.LoadGen;

/// <summary>
/// Per-virtual-user recorder of successful call latencies (Stopwatch ticks, one list per call kind) and
/// of errors; owned by one loop, so it needs no locking.
/// </summary>
internal sealed class LatencySamples
{
    private readonly List<long>[] _ticksByCall;

    public LatencySamples(int callKinds, int expectedPerKind = 4096)
    {
        _ticksByCall = new List<long>[callKinds];
        for (var i = 0; i < callKinds; i++)
        {
            _ticksByCall[i] = new List<long>(expectedPerKind);
        }
    }

    public long Errors { get; private set; }

    public string? FirstError { get; private set; }

    public IReadOnlyList<long> TicksFor(int call) => _ticksByCall[call];

    public void Record(int call, long elapsedTicks) => _ticksByCall[call].Add(elapsedTicks);

    public void RecordError(string message)
    {
        Errors++;
        FirstError ??= message;
    }
}
