using Microsoft.IdentityModel.Tokens;

namespace Warden.Gateway.Security.Authentication.Oidc;

/// <summary>
/// The lifetime check of Warden's token validation (access tokens from the IdP, ID tokens at sign-in). The library's own
/// check reads the system clock; this one reads Warden's <see cref="TimeProvider"/>, with the same rules and skew.
/// </summary>
internal static class TokenLifetime
{
    /// <summary>A <see cref="LifetimeValidator"/> reading <paramref name="time"/>; <paramref name="what"/> names the token in errors ("The token", "The ID token").</summary>
    public static LifetimeValidator Validator(TimeProvider time, string what) => (notBefore, expires, _, parameters) =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException($"{what} has no expiry.");
        }

        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException($"{what} is not valid yet.") { NotBefore = nbf };
        }

        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException($"{what} has expired.") { Expires = expires.Value };
        }

        return true;
    };
}
