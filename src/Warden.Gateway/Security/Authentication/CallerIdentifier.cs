using Microsoft.AspNetCore.Http;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Asks the registered authenticators in order; the first that recognises the request's credential decides. When no
/// registered authenticator requires a credential (<see cref="ICallerAuthenticator.RequiresCredential"/>; the embedded
/// default, loopback only) a request without one is <see cref="Caller.LocalUser"/>; otherwise it is refused with 401.
/// A credential an authenticator refused is recorded in the audit log (throttled per client address, see
/// <see cref="CredentialRefusals"/>) unless the authenticator recorded it itself (API keys, with their brute-force limit).
/// </summary>
public sealed class CallerIdentifier(IEnumerable<ICallerAuthenticator> authenticators, CredentialRefusals? refusals = null) : ICallerIdentifier
{
    private readonly ICallerAuthenticator[] authenticators = authenticators.ToArray();

    /// <summary>True when callers must present a credential.</summary>
    public bool Required => authenticators.Any(a => a.RequiresCredential);

    public async ValueTask<AuthenticationResult> IdentifyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        foreach (var authenticator in authenticators)
        {
            var result = await authenticator.AuthenticateAsync(context, cancellationToken).ConfigureAwait(false);
            if (result.Status != AuthenticationStatus.NoCredential)
            {
                if (result.Status is AuthenticationStatus.Failed or AuthenticationStatus.Forbidden && !result.Recorded && refusals is not null)
                {
                    await refusals.RecordAsync(context, result, cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
        }

        if (!Required)
        {
            return AuthenticationResult.Success(Caller.LocalUser);
        }

        return AuthenticationResult.Fail("Authentication required: send an access token or Warden API key as 'Authorization: Bearer …'.", error: "");
    }
}
