using Microsoft.AspNetCore.Http;

namespace Warden.Gateway.Security.Authentication;

/// <summary>The "identify caller" step of the pipeline: who is making this HTTP request, or why they cannot be identified.</summary>
public interface ICallerIdentifier
{
    ValueTask<AuthenticationResult> IdentifyAsync(HttpContext context, CancellationToken cancellationToken);
}
