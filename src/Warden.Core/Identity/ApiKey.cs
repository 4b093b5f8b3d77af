namespace Warden.Core.Identity;

/// <summary>
/// One API key as the identity store keeps it: who it stands for, what it may reach, and its life; never the key
/// itself, only its keyed hash (<see cref="ApiKeyHasher"/>).
/// </summary>
public sealed record ApiKey
{
    /// <summary>The key's id, embedded in the key (<c>wdn_{id}_{secret}</c>): lookups are by id, not by hash.</summary>
    public required string Id { get; init; }

    public required ApiKeyKind Kind { get; init; }

    /// <summary>A label for people (e.g. <c>alice-laptop</c>); for a service account, its name (and subject).</summary>
    public required string Name { get; init; }

    /// <summary>Who the key authenticates as: the person, the service account's name, or <c>admin</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>The person a service account acts for, when it acts for one.</summary>
    public string? OnBehalfOf { get; init; }

    /// <summary>Warden roles the key's caller holds.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Server-name globs the key is limited to; empty: no limit beyond the roles.</summary>
    public IReadOnlyList<string> Servers { get; init; } = [];

    /// <summary>Tool-name globs the key is limited to; empty: no limit beyond the roles.</summary>
    public IReadOnlyList<string> Tools { get; init; } = [];

    /// <summary>HMAC-SHA-256 of the whole key under the identity key (32 bytes).</summary>
    public required byte[] Hash { get; init; }

    public required DateTimeOffset Created { get; init; }

    /// <summary>Who made it (an admin's subject, or the operating-system user of the CLI).</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it stops working; null: never (the admin key, or <c>--expires never</c>).</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The last time it authenticated a request (updated at most once a minute).</summary>
    public DateTimeOffset? LastUsed { get; init; }

    public DateTimeOffset? Revoked { get; init; }

    public string? RevokedBy { get; init; }

    /// <summary>True when it is neither revoked nor expired at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => Revoked is null && (Expires is null || Expires > now);
}
