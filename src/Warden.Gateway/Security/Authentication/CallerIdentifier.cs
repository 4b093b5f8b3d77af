using Microsoft.AspNetCore.Http;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Asks the registered authenticators in order; the first that recognises the request's credential decides. With no
/// authenticator registered (no <c>auth</c> section: the embedded default, loopback only) every caller is
/// <see cref="Caller.LocalUser"/>; otherwise a request no authenticator recognises is refused with 401. A credential an
/// authenticator refused is recorded in the audit log (throttled per client address, see <see cref="CredentialRefusals"/>).
/// </summary>
public sealed class CallerIdentifier(IEnumerable<ICallerAuthenticator> authenticators, CredentialRefusals? refusals = null) : ICallerIdentifier
{
    private readonly ICallerAuthenticator[] authenticators = authenticators.ToArray();

    /// <summary>True when callers must present a credential.</summary>
    public bool Required => authenticators.Length > 0;

    public async ValueTask<AuthenticationResult> IdentifyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (authenticators.Length == 0)
        {
            return AuthenticationResult.Success(Caller.LocalUser);
        }

        foreach (var authenticator in authenticators)
        {
            var result = await authenticator.AuthenticateAsync(context, cancellationToken).ConfigureAwait(false);
            if (result.Status != AuthenticationStatus.NoCredential)
            {
                if (result.Status is AuthenticationStatus.Failed or AuthenticationStatus.Forbidden && refusals is not null)
                {
                    await refusals.RecordAsync(context, result, cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
        }

        return AuthenticationResult.Fail("Authentication required: send an access token or Warden API key as 'Authorization: Bearer …'.", error: "");
    }
}
