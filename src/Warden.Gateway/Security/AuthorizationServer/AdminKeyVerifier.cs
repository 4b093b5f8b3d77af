using Warden.Core.Identity;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The admin key as a sign-in at Warden's login page (small teams without an IdP): valid when it is the current,
/// unrevoked admin key. The check is the API key store's (keyed hash, constant-time compare); the key is never logged.
/// </summary>
internal sealed class AdminKeyVerifier(ApiKeyService keys) : IAdminKeyVerifier
{
    public async ValueTask<bool> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        var check = await keys.CheckAsync(key.Trim(), cancellationToken).ConfigureAwait(false);
        return check.Status == ApiKeyCheckStatus.Valid && check.Key!.Kind == ApiKeyKind.Admin;
    }
}
