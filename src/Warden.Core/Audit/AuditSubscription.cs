namespace Warden.Core.Audit;

/// <summary>
/// One live subscriber's view of the <see cref="AuditFeed"/>: a bounded buffer of records. When it is full, the newest
/// slot becomes a gap that grows with each record that does not fit, so the reader learns exactly which seq range it
/// lost and the publisher never waits.
/// </summary>
public sealed class AuditSubscription : IDisposable
{
    private readonly AuditFeed _feed;
    private readonly Lock _gate = new();
    private readonly AuditFeedItem[] _ring;
    private int _head;
    private int _count;
    private TaskCompletionSource? _waiter;
    private bool _disposed;

    internal AuditSubscription(AuditFeed feed, int capacity)
    {
        _feed = feed;
        _ring = new AuditFeedItem[capacity];
    }

    /// <summary>The next record or gap, waiting until there is one; cancelled once the subscription is disposed.</summary>
    public async ValueTask<AuditFeedItem> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task ready;
            lock (_gate)
            {
                if (_disposed)
                {
                    throw new OperationCanceledException("The audit subscription was disposed.");
                }

                if (_count > 0)
                {
                    var item = _ring[_head];
                    _ring[_head] = default;
                    _head = (_head + 1) % _ring.Length;
                    _count--;
                    return item;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ready = _waiter.Task;
            }

            await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal void Offer(IReadOnlyList<AuditRecord> records)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            foreach (var record in records)
            {
                Enqueue(record);
            }

            (waiter, _waiter) = (_waiter, null);
        }

        waiter?.TrySetResult();
    }

    private void Enqueue(AuditRecord record)
    {
        if (_count < _ring.Length)
        {
            _ring[(_head + _count) % _ring.Length] = AuditFeedItem.Of(record);
            _count++;
            return;
        }

        // Full: the newest slot stands for everything from its record (or gap) up to this one.
        ref var newest = ref _ring[(_head + _count - 1) % _ring.Length];
        newest = new AuditFeedItem(null, newest.IsGap ? newest.MissedFrom : newest.Record!.Seq, record.Seq);
    }

    public void Dispose()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _disposed = true;
            (waiter, _waiter) = (_waiter, null);
        }

        waiter?.TrySetResult();
        _feed.Remove(this);
    }
}
