using Warden.Gateway.Hosting;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Locks sign-in after repeated failures: per user name (<c>auth.server.maxFailedLogins</c> in a row) and per client
/// address (five times that, since many people may share one address), for <c>auth.server.loginLockout</c>. A
/// password guesser gets a handful of tries per lockout period instead of thousands per second.
/// </summary>
public sealed class LoginThrottle(WardenState state, TimeProvider time)
{
    private const int MaxEntries = 50_000;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How long until <paramref name="user"/> from <paramref name="address"/> may try again; null when they may now.</summary>
    public TimeSpan? RetryAfter(string user, string? address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var wait = Locked(UserKey(user), now);
            if (address is not null && Locked(AddressKey(address), now) is { } addressWait && (wait is null || addressWait > wait))
            {
                wait = addressWait;
            }

            return wait;
        }
    }

    /// <summary>Counts a failed attempt; true when it locked the user name or the address.</summary>
    public bool Failed(string user, string? address)
    {
        var server = state.Config.Auth.Server ?? new();
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_entries.Count > MaxEntries)
            {
                Prune(now);
            }

            var locked = Count(UserKey(user), server.MaxFailedLogins, server.LoginLockout, now);
            if (address is not null)
            {
                locked |= Count(AddressKey(address), server.MaxFailedLogins * 5, server.LoginLockout, now);
            }

            return locked;
        }
    }

    /// <summary>A successful sign-in clears the user name's failures (not the address's: one right password does not excuse many wrong ones).</summary>
    public void Succeeded(string user)
    {
        lock (_lock)
        {
            _entries.Remove(UserKey(user));
        }
    }

    private TimeSpan? Locked(string key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var entry) && entry.LockedUntil is { } until && until > now ? until - now : null;

    private bool Count(string key, int max, TimeSpan lockout, DateTimeOffset now)
    {
        // Failures older than a lockout period are forgotten, so an occasional typo never adds up to a lock.
        var entry = _entries.TryGetValue(key, out var found) && now - found.Last < lockout ? found : new Entry(0, now, null);
        var failures = entry.Failures + 1;
        var lockedUntil = failures >= max ? now + lockout : entry.LockedUntil;
        _entries[key] = new Entry(failures >= max ? 0 : failures, now, lockedUntil);
        return failures >= max;
    }

    private void Prune(DateTimeOffset now)
    {
        var lockout = state.Config.Auth.Server?.LoginLockout ?? TimeSpan.FromMinutes(15);
        foreach (var key in _entries.Where(e => now - e.Value.Last > lockout && (e.Value.LockedUntil is null || e.Value.LockedUntil < now)).Select(e => e.Key).ToList())
        {
            _entries.Remove(key);
        }
    }

    private static string UserKey(string user) => "u:" + user.ToLowerInvariant();

    private static string AddressKey(string address) => "a:" + address;

    private readonly record struct Entry(int Failures, DateTimeOffset Last, DateTimeOffset? LockedUntil);
}
