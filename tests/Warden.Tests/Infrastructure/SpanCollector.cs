using System.Collections.Concurrent;
using System.Diagnostics;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// Records every span Warden's activity source ends, in process, as an exporter would receive them. Tests run in
/// parallel and the listener hears every Warden in the process, so tests pick their spans by trace id.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Warden",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The ended spans of one trace.</summary>
    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    public IReadOnlyList<Activity> All => [.. _spans];

    public void Dispose() => _listener.Dispose();
}
