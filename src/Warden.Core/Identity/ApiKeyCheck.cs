namespace Warden.Core.Identity;

/// <summary>
/// The outcome of checking a presented key, as a value. <see cref="Key"/> is set for valid, revoked and expired keys
/// (the secret matched, so the caller holds that key); <see cref="Id"/> whenever the key had a well-formed id.
/// </summary>
public readonly record struct ApiKeyCheck(ApiKeyCheckStatus Status, ApiKey? Key, string? Id);
