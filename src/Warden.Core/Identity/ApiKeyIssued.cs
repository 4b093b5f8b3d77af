namespace Warden.Core.Identity;

/// <summary>A newly made key: its stored form and the key itself, shown to its creator once.</summary>
public sealed record ApiKeyIssued(ApiKey Key, string Token);
