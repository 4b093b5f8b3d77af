namespace Warden.Core.Configuration;

/// <summary>Whose secret an upstream gets: one for everyone (a service account's), or each user's own.</summary>
public enum CredentialScope
{
    /// <summary>One secret, stored once by an admin, used for every caller's connection.</summary>
    Shared,

    /// <summary>Each user's own secret (their GitHub token, say), entered once; only their connections carry it.</summary>
    PerUser,
}

/// <summary>
/// <c>servers.NAME.credentials</c>: a secret Warden keeps encrypted in its identity store (never in warden.yaml) and
/// injects into the upstream connection: as the environment variable <see cref="Env"/> of a stdio server's process,
/// or the header <see cref="Header"/> of every request to an HTTP server, formatted by <see cref="Format"/>.
/// </summary>
public sealed record UpstreamCredentialConfig
{
    /// <summary>The placeholder <see cref="Format"/> replaces with the secret.</summary>
    public const string Placeholder = "{secret}";

    public CredentialScope Scope { get; init; } = CredentialScope.PerUser;

    /// <summary>stdio servers: the environment variable that carries the secret.</summary>
    public string? Env { get; init; }

    /// <summary>HTTP servers: the request header that carries the secret.</summary>
    public string? Header { get; init; }

    /// <summary>How the value is written; default <c>Bearer {secret}</c> for the Authorization header, <c>{secret}</c> otherwise.</summary>
    public string? Format { get; init; }

    /// <summary>True (default): a caller without a stored secret is refused with instructions; false: connected without one.</summary>
    public bool Required { get; init; } = true;

    /// <summary>The secret inside an injected <paramref name="rendered"/> value (<see cref="Render"/> undone), or null when it does not fit the format.</summary>
    public string? SecretIn(string rendered)
    {
        var format = EffectiveFormat;
        var at = format.IndexOf(Placeholder, StringComparison.Ordinal);
        var (prefix, suffix) = (format[..at], format[(at + Placeholder.Length)..]);
        return rendered.Length >= prefix.Length + suffix.Length && rendered.StartsWith(prefix, StringComparison.Ordinal) && rendered.EndsWith(suffix, StringComparison.Ordinal)
            ? rendered[prefix.Length..(rendered.Length - suffix.Length)]
            : null;
    }

    /// <summary>The value to inject for <paramref name="secret"/>.</summary>
    public string Render(string secret) => EffectiveFormat.Replace(Placeholder, secret, StringComparison.Ordinal);

    private string EffectiveFormat => Format ?? (string.Equals(Header, "Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer " + Placeholder : Placeholder);
}
