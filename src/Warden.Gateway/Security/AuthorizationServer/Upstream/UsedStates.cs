using System.Collections.Concurrent;

namespace Warden.Gateway.Security.AuthorizationServer.Upstream;

/// <summary>
/// The states of callbacks already handled, until their sign-in would have expired anyway: a replayed callback (the
/// same URL and cookie again) is refused here before its code reaches the IdP, which would refuse a used code too.
/// </summary>
internal sealed class UsedStates(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    /// <summary>Marks <paramref name="state"/> used; false when it already was.</summary>
    public bool TryUse(string state, DateTimeOffset expires)
    {
        var now = time.GetUtcNow();
        foreach (var (old, until) in _used)
        {
            if (until < now)
            {
                _used.TryRemove(old, out _);
            }
        }

        return _used.TryAdd(state, expires);
    }
}
