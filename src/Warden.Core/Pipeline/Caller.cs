namespace Warden.Core.Pipeline;

/// <summary>Who is acting: the authenticated user or service account behind a request.</summary>
public sealed record Caller(string Subject, string? DisplayName, string AuthMethod, IReadOnlyList<string> Roles)
{
    /// <summary>The caller when no authentication is configured (embedded default on loopback).</summary>
    public static Caller LocalUser { get; } = new("local", Environment.UserName, "loopback", ["admin"]);
}
