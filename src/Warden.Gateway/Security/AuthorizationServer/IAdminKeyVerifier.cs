namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The seam for signing in with Warden's admin key at the login page. When an implementation is registered (the API
/// key store provides one), the page offers an "admin key" field; without one, it does not.
/// </summary>
public interface IAdminKeyVerifier
{
    /// <summary>True when <paramref name="key"/> is the current admin key. Must compare in constant time and never log the key.</summary>
    ValueTask<bool> VerifyAsync(string key, CancellationToken cancellationToken);
}
