using ModelContextProtocol.Protocol;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Authorization;

/// <summary>
/// What the role step made of a request: its decision (null when roles have nothing to say: none configured, an
/// admin, or a method that names nothing), the answer Warden gives instead of forwarding (a hidden or unknown
/// target, a missing justification), and the justification the call carried.
/// </summary>
internal readonly record struct RoleOutcome(Decision? Decision, JsonRpcMessageWithId? Answer = null, string? Justification = null)
{
    public static RoleOutcome None { get; } = new(null);
}
