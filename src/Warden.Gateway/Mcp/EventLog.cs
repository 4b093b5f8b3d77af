using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>
/// The events of one SSE stream of a session, numbered and kept (up to a bound) so that a client that
/// lost the stream can resume it with GET and <c>Last-Event-ID</c>: the spec's resumability. Event ids are
/// <c>{stream}-{seq}</c>, unique within the session, and a cursor within their own stream only.
/// </summary>
internal sealed class EventLog(string streamId, int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Seq, JsonRpcMessage Message)> _events = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _last;

    public string StreamId { get; } = streamId;

    public bool IsCompleted { get; private set; }

    /// <summary>When the stream completed (its response was written), for expiry.</summary>
    public DateTimeOffset CompletedAt { get; private set; }

    public long LastSeq
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    public string EventId(long seq) => $"{StreamId}-{seq}";

    /// <summary>Splits an event id into its stream and sequence number; false for ids Warden did not issue.</summary>
    public static bool TryParse(string? eventId, out string streamId, out long seq)
    {
        streamId = "";
        seq = 0;
        var dash = eventId?.LastIndexOf('-') ?? -1;
        if (dash <= 0 || !long.TryParse(eventId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq))
        {
            return false;
        }

        streamId = eventId![..dash];
        return true;
    }

    /// <summary>Adds an event; false once the stream has completed.</summary>
    public bool Append(JsonRpcMessage message)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (IsCompleted)
            {
                return false;
            }

            _events.Enqueue((++_last, message));
            while (_events.Count > capacity)
            {
                _events.Dequeue();
            }

            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return true;
    }

    /// <summary>Ends the stream: readers that have caught up stop.</summary>
    public void Complete(DateTimeOffset now)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (IsCompleted)
            {
                return;
            }

            IsCompleted = true;
            CompletedAt = now;
            changed = _changed;
        }

        changed.TrySetResult();
    }

    /// <summary>
    /// Copies the events after <paramref name="after"/> into <paramref name="into"/>. Returns a task that
    /// completes when there may be more; <paramref name="complete"/> is true when the stream has ended and
    /// nothing is left; <paramref name="gap"/> is true when some events after the cursor were dropped.
    /// </summary>
    public Task Read(long after, List<(long Seq, JsonRpcMessage Message)> into, out bool complete, out bool gap)
    {
        lock (_gate)
        {
            gap = _events.TryPeek(out var first) ? first.Seq > after + 1 : _last > after;
            foreach (var entry in _events)
            {
                if (entry.Seq > after)
                {
                    into.Add(entry);
                }
            }

            complete = IsCompleted;
            return _changed.Task;
        }
    }
}
