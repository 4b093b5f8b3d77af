using Warden.Core.Authorization;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;

namespace Warden.Gateway.Authorization;

/// <summary>
/// The role policy of the configuration in force now, recompiled when a reload replaces the configuration, so every
/// request is decided by the current roles and user assignments without new tokens or sessions.
/// </summary>
public sealed class RoleAccess(WardenState state)
{
    // One reference, so a reader never pairs one configuration's roles with another's users.
    private volatile RolePolicy? _policy;

    public RolePolicy Policy
    {
        get
        {
            var config = state.Config;
            if (_policy is { } cached && ReferenceEquals(cached.Config, config))
            {
                return cached;
            }

            var policy = new RolePolicy(config);
            _policy = policy;
            return policy;
        }
    }

    /// <summary>What the caller may use now.</summary>
    public CallerAccess For(Caller caller) => Policy.For(caller);

    /// <summary>Whether the caller may read the audit log now (<c>admin</c>, a role with <c>audit: read</c>, or no roles configured).</summary>
    public bool CanReadAudit(Caller caller)
    {
        var access = For(caller);
        return access.Unrestricted || access.CanReadAudit;
    }
}
