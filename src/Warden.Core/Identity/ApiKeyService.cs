using System.Collections.Concurrent;
using System.Data.Common;

namespace Warden.Core.Identity;

/// <summary>
/// Makes, checks and revokes API keys over an <see cref="IApiKeyStore"/>; used by <c>warden serve</c> (per request)
/// and by the <c>warden keys</c> commands. A key found valid is remembered for <see cref="CacheFor"/> (one second), so a
/// revocation made by another process (the CLI while serve runs) is honoured within that second; a revocation made
/// through this instance is honoured at once. Last-used times are written at most once per <see cref="TouchEvery"/>.
/// </summary>
public sealed class ApiKeyService(IApiKeyStore store, IdentityKey identity, TimeProvider time)
{
    /// <summary>How long a key found valid is trusted without reading the store again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>How often a key's last-used time is written while it is in use.</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    /// <summary>The admin key's subject and name.</summary>
    public const string AdminSubject = "admin";

    private readonly ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    public IApiKeyStore Store => store;

    /// <summary>Makes a key for a validated request (see <see cref="ApiKeyRequest.Problems"/>); the token is returned once and stored only hashed.</summary>
    public async ValueTask<ApiKeyIssued> CreateAsync(ApiKeyRequest request, string createdBy, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (id, token) = ApiKeyToken.Generate();
            var key = new ApiKey
            {
                Id = id,
                Kind = request.Kind,
                Name = request.Name,
                Subject = request.User ?? request.Name,
                OnBehalfOf = request.OnBehalfOf,
                Roles = request.Roles.Distinct(StringComparer.Ordinal).ToArray(),
                Servers = request.Servers.Distinct(StringComparer.Ordinal).ToArray(),
                Tools = request.Tools.Distinct(StringComparer.Ordinal).ToArray(),
                Hash = identity.HashApiKey(token),
                Created = time.GetUtcNow(),
                CreatedBy = createdBy,
                Expires = request.Expires,
            };

            // 60 random bits make a clash all but impossible; if one happens, draw again rather than fail.
            if (await store.AddAsync(key, cancellationToken).ConfigureAwait(false))
            {
                return new ApiKeyIssued(key, token);
            }
        }
    }

    /// <summary>Makes the admin key if the store never held one (first start); null when it did.</summary>
    public async ValueTask<ApiKeyIssued?> CreateFirstAdminAsync(CancellationToken cancellationToken)
    {
        var (key, token) = NewAdminKey("warden");
        return await store.AddFirstAdminAsync(key, cancellationToken).ConfigureAwait(false) ? new ApiKeyIssued(key, token) : null;
    }

    /// <summary>Replaces the admin key: every active admin key is revoked and a new one made, in one transaction.</summary>
    public async ValueTask<(ApiKeyIssued Issued, IReadOnlyList<string> Revoked)> RotateAdminAsync(string by, CancellationToken cancellationToken)
    {
        var (key, token) = NewAdminKey(by);
        var revoked = await store.ReplaceAdminAsync(key, time.GetUtcNow(), by, cancellationToken).ConfigureAwait(false);
        foreach (var id in revoked)
        {
            _cache.TryRemove(id, out _);
        }

        return (new ApiKeyIssued(key, token), revoked);
    }

    /// <summary>Revokes a key; takes effect at once in this process. Null when no key has this id.</summary>
    public async ValueTask<ApiKey?> RevokeAsync(string id, string by, CancellationToken cancellationToken)
    {
        _cache.TryRemove(id, out _);
        var revoked = await store.RevokeAsync(id, time.GetUtcNow(), by, cancellationToken).ConfigureAwait(false);
        _cache.TryRemove(id, out _);
        return revoked;
    }

    /// <summary>Removes a key whose creation could not be recorded, before anyone saw it.</summary>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        _cache.TryRemove(id, out _);
        return store.DeleteAsync(id, cancellationToken);
    }

    public ValueTask<IReadOnlyList<ApiKey>> ListAsync(bool includeRevoked, CancellationToken cancellationToken) => store.ListAsync(includeRevoked, cancellationToken);

    /// <summary>
    /// Checks a presented key. The secret is compared (in constant time) before anything about the key is told: a
    /// caller learns that a key is revoked or expired only when they hold it.
    /// </summary>
    public async ValueTask<ApiKeyCheck> CheckAsync(string token, CancellationToken cancellationToken)
    {
        if (!ApiKeyToken.TryGetId(token, out var id))
        {
            return new ApiKeyCheck(ApiKeyCheckStatus.Malformed, null, null);
        }

        var now = time.GetUtcNow();
        ApiKey? key;
        if (_cache.TryGetValue(id, out var cached) && cached.Until > now)
        {
            key = cached.Key;
        }
        else
        {
            key = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        }

        if (key is null || !identity.ApiKeyMatches(token, key.Hash))
        {
            return new ApiKeyCheck(ApiKeyCheckStatus.Unknown, null, id);
        }

        if (key.Revoked is not null)
        {
            _cache.TryRemove(id, out _);
            return new ApiKeyCheck(ApiKeyCheckStatus.Revoked, key, id);
        }

        if (key.Expires is { } expires && expires <= now)
        {
            _cache.TryRemove(id, out _);
            return new ApiKeyCheck(ApiKeyCheckStatus.Expired, key, id);
        }

        if (!_cache.TryGetValue(id, out var current) || current.Until <= now)
        {
            _cache[id] = (key, now + CacheFor);
        }

        await TouchAsync(key, now, cancellationToken).ConfigureAwait(false);
        return new ApiKeyCheck(ApiKeyCheckStatus.Valid, key, id);
    }

    // Best effort: a last-used time that cannot be written must not refuse a valid key.
    private async ValueTask TouchAsync(ApiKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = _touched.TryGetValue(key.Id, out var touched) ? touched : key.LastUsed ?? DateTimeOffset.MinValue;
        if (now - last < TouchEvery)
        {
            return;
        }

        _touched[key.Id] = now;
        try
        {
            await store.TouchAsync(key.Id, now, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException)
        {
            _touched.TryRemove(key.Id, out _);
        }
    }

    private (ApiKey Key, string Token) NewAdminKey(string by)
    {
        var (id, token) = ApiKeyToken.Generate();
        return (new ApiKey
        {
            Id = id,
            Kind = ApiKeyKind.Admin,
            Name = AdminSubject,
            Subject = AdminSubject,
            Roles = [AdminSubject],
            Hash = identity.HashApiKey(token),
            Created = time.GetUtcNow(),
            CreatedBy = by,
        }, token);
    }
}
