namespace Warden.Core.Identity;

/// <summary>What checking a presented key found.</summary>
public enum ApiKeyCheckStatus
{
    Valid,

    /// <summary>Not the shape of a Warden key (cut off, mistyped).</summary>
    Malformed,

    /// <summary>No key has this id, or the secret does not match: the two are not told apart.</summary>
    Unknown,

    Revoked,

    Expired,
}
