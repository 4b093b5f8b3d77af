namespace Warden.Core.Configuration;

/// <summary>
/// One <c>users.&lt;name&gt;</c> entry: roles a person holds by configuration, added to whatever roles their credential
/// carries. The name matches a caller's subject or e-mail address. Read on every request, so an edit applies at once.
/// </summary>
public sealed record UserConfig
{
    public required string Name { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    public string? DisplayName { get; init; }
}
