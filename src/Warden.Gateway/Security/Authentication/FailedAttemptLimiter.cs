using System.Collections.Concurrent;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// A token bucket per client address for refused credentials: each refusal takes a token, tokens come back at a steady
/// rate, and an address with none left is refused with 429 before its credential is even checked, valid or not, so
/// guessing keys gains nothing by being fast. Driven by <see cref="TimeProvider"/>. An address's bucket is forgotten
/// once it is full again; at most <see cref="MaxTracked"/> addresses are tracked (full buckets are dropped first).
/// </summary>
public sealed class FailedAttemptLimiter(TimeProvider time, int capacity = FailedAttemptLimiter.DefaultCapacity, TimeSpan? refillEvery = null)
{
    /// <summary>Refusals an address may have in a burst.</summary>
    public const int DefaultCapacity = 10;

    /// <summary>How often an address gets one refusal back (10 a minute).</summary>
    public static readonly TimeSpan DefaultRefillEvery = TimeSpan.FromSeconds(6);

    private const int MaxTracked = 100_000;

    private readonly TimeSpan _refillEvery = refillEvery ?? DefaultRefillEvery;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="address"/> must wait before its next attempt; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        if (!_buckets.TryGetValue(address, out var bucket))
        {
            return null;
        }

        lock (bucket)
        {
            var tokens = bucket.TokensAt(time.GetUtcNow(), capacity, _refillEvery);
            return tokens >= 1 ? null : (1 - tokens) * _refillEvery;
        }
    }

    /// <summary>
    /// Counts one refused credential from <paramref name="address"/>. True when this refusal emptied the bucket: the
    /// address is throttled from now on (the moment worth an audit record of its own).
    /// </summary>
    public bool Refused(string address)
    {
        if (_buckets.Count >= MaxTracked)
        {
            Sweep();
        }

        var bucket = _buckets.GetOrAdd(address, _ => new Bucket(capacity, time.GetUtcNow()));
        lock (bucket)
        {
            var now = time.GetUtcNow();
            var tokens = bucket.TokensAt(now, capacity, _refillEvery);
            bucket.Tokens = Math.Max(0, tokens - 1);
            bucket.At = now;
            return tokens >= 1 && bucket.Tokens < 1;
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (address, bucket) in _buckets)
        {
            bool full;
            lock (bucket)
            {
                full = bucket.TokensAt(now, capacity, _refillEvery) >= capacity;
            }

            if (full)
            {
                _buckets.TryRemove(address, out _);
            }
        }
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens { get; set; } = tokens;

        public DateTimeOffset At { get; set; } = at;

        public double TokensAt(DateTimeOffset now, int capacity, TimeSpan refillEvery) =>
            Math.Min(capacity, Tokens + Math.Max(0, (now - At) / refillEvery));
    }
}
