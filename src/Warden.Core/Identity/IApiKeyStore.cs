namespace Warden.Core.Identity;

/// <summary>
/// Where API keys live (SQLite <c>identity.db</c> by default; a PostgreSQL provider later runs the same contract tests).
/// Every operation reads or writes the store itself, so a key revoked by one process is refused by every other at once.
/// </summary>
public interface IApiKeyStore
{
    /// <summary>The key with this id, revoked and expired ones included; null when there is none.</summary>
    ValueTask<ApiKey?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every key (revoked ones only when asked), oldest first.</summary>
    ValueTask<IReadOnlyList<ApiKey>> ListAsync(bool includeRevoked, CancellationToken cancellationToken);

    /// <summary>Adds a new key; false when its id is taken.</summary>
    ValueTask<bool> AddAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Adds <paramref name="key"/> (an admin key) only if the store never held an admin key, atomically (two replicas
    /// starting together make one); false when one exists or existed.
    /// </summary>
    ValueTask<bool> AddFirstAdminAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>Revokes every active admin key and adds <paramref name="key"/>, in one transaction; returns the ids revoked.</summary>
    ValueTask<IReadOnlyList<string>> ReplaceAdminAsync(ApiKey key, DateTimeOffset at, string by, CancellationToken cancellationToken);

    /// <summary>Revokes the key (a revoked key stays revoked, with its first revocation time); null when there is no such key.</summary>
    ValueTask<ApiKey?> RevokeAsync(string id, DateTimeOffset at, string by, CancellationToken cancellationToken);

    /// <summary>Removes a key that was never handed out (its creation could not be recorded); false when there is none.</summary>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Sets the key's last-used time.</summary>
    ValueTask TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);
}
