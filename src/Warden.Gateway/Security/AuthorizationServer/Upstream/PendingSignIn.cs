namespace Warden.Gateway.Security.AuthorizationServer.Upstream;

/// <summary>
/// A sign-in at the IdP that a browser started: kept in that browser's cookie, encrypted and signed with Warden's
/// data protection keys, so the callback can only complete in the browser that began it (and any replica can finish it).
/// </summary>
internal sealed record PendingSignIn(string State, string Nonce, string CodeVerifier, string CallbackUrl, DateTimeOffset Expires);
