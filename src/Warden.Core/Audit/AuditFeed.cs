namespace Warden.Core.Audit;

/// <summary>
/// Hands records to live subscribers (the audit stream, alerting) as the log commits them, in seq order. Publishing
/// never waits: each subscriber has a bounded buffer, and one that falls behind loses records, reported to it as a
/// gap, rather than slowing the writer.
/// </summary>
public sealed class AuditFeed
{
    private readonly Lock _gate = new();
    private volatile AuditSubscription[] _subscribers = [];

    /// <summary>How many subscriptions are open.</summary>
    public int SubscriberCount => _subscribers.Length;

    /// <summary>Starts receiving every record committed from now on; dispose the subscription to stop.</summary>
    public AuditSubscription Subscribe(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new AuditSubscription(this, capacity);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Called by the store after a commit, with the committed records in seq order.</summary>
    public void Publish(IReadOnlyList<AuditRecord> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        foreach (var subscriber in _subscribers)
        {
            subscriber.Offer(records);
        }
    }

    internal void Remove(AuditSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, subscription))];
        }
    }
}
