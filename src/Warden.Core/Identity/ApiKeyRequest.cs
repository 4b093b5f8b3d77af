using System.Globalization;
using Warden.Core.Configuration;

namespace Warden.Core.Identity;

/// <summary>
/// What <c>warden keys create</c> and <c>POST /api/v1/keys</c> ask for. With <see cref="User"/> the key is that person's
/// (<see cref="ApiKeyKind.Person"/>); without it the key is the service account <see cref="Name"/>'s, acting on behalf of
/// <see cref="OnBehalfOf"/> when given.
/// </summary>
public sealed record ApiKeyRequest
{
    /// <summary>How long a key lives when its creator does not say.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);

    public required string Name { get; init; }

    /// <summary>The person the key belongs to (a person's key); null for a service account.</summary>
    public string? User { get; init; }

    public string? OnBehalfOf { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    public IReadOnlyList<string> Servers { get; init; } = [];

    public IReadOnlyList<string> Tools { get; init; } = [];

    /// <summary>When the key stops working; null: never.</summary>
    public DateTimeOffset? Expires { get; init; }

    public ApiKeyKind Kind => User is null ? ApiKeyKind.ServiceAccount : ApiKeyKind.Person;

    /// <summary>Every problem with the request, each saying how to fix it; empty when it is valid.</summary>
    public IReadOnlyList<string> Problems(DateTimeOffset now)
    {
        var problems = new List<string>();
        if (!IsName(Name))
        {
            problems.Add($"name must be 1-64 letters, digits, '.', '_' or '-' (e.g. ci-bot), got '{Printable(Name)}'");
        }

        if (User is not null && !IsSubject(User))
        {
            problems.Add("user must be the person's subject id (1-256 printable characters)");
        }

        if (OnBehalfOf is not null && !IsSubject(OnBehalfOf))
        {
            problems.Add("on-behalf-of must be the person's subject id (1-256 printable characters)");
        }

        if (User is not null && OnBehalfOf is not null)
        {
            problems.Add("a person's key (user) acts for that person: give either user or on-behalf-of (a service account acting for someone), not both");
        }

        if (Roles.Count == 0)
        {
            problems.Add("give the key at least one role (e.g. --role engineering): a key without roles can do nothing");
        }

        foreach (var value in Roles.Concat(Servers).Concat(Tools))
        {
            if (!IsName(value.Replace('*', 'x').Replace('?', 'x')))
            {
                problems.Add($"roles, servers and tools are names or globs of letters, digits, '.', '_', '-', '*' and '?', got '{Printable(value)}'");
            }
        }

        if (Expires is { } expires && expires <= now)
        {
            problems.Add("expires must be in the future");
        }

        return problems;
    }

    /// <summary>
    /// Reads an expiry: a lifetime (<c>90d</c>, <c>12h</c>, <c>1y</c>), a date or time (ISO 8601, UTC unless it says
    /// otherwise), or <c>never</c>. False when the text is none of those.
    /// </summary>
    public static bool TryParseExpiry(string text, DateTimeOffset now, out DateTimeOffset? expires)
    {
        expires = null;
        if (text.Equals("never", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Length > 0 && char.IsAsciiLetter(text[^1]) && DurationParser.TryParse(text, out var lifetime) && lifetime > TimeSpan.Zero)
        {
            expires = now + lifetime;
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            expires = at;
            return true;
        }

        return false;
    }

    private static bool IsName(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static bool IsSubject(string value) => value.Length is > 0 and <= 256 && !value.Any(char.IsControl) && value.Trim().Length == value.Length;

    private static string Printable(string value) => new(value.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
