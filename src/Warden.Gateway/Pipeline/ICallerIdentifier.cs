using Microsoft.AspNetCore.Http;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Pipeline;

/// <summary>The "identify caller" step: who is making this HTTP request. Null means unauthenticated.</summary>
public interface ICallerIdentifier
{
    ValueTask<Caller?> IdentifyAsync(HttpContext context);
}

/// <summary>Without authentication configured, every caller is the local user (Warden binds to loopback by default).</summary>
internal sealed class LocalCallerIdentifier : ICallerIdentifier
{
    public ValueTask<Caller?> IdentifyAsync(HttpContext context) => ValueTask.FromResult<Caller?>(Caller.LocalUser);
}
