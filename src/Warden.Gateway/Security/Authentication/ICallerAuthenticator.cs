using Microsoft.AspNetCore.Http;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// One way of proving who a caller is (an API key, a token from the company's IdP, a token Warden issued). The
/// <see cref="CallerIdentifier"/> asks each registered authenticator in turn; the first that recognises the credential
/// decides. An authenticator answers with a value, never an exception, and never logs the credential.
/// </summary>
public interface ICallerAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken);

    /// <summary>
    /// True when, with this authenticator registered, every caller must present a credential. An authenticator that
    /// only honours credentials when they are presented (API keys on the loopback default) answers false, so callers
    /// without one stay the local user.
    /// </summary>
    bool RequiresCredential => true;
}
