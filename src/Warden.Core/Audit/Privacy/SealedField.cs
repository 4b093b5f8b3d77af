namespace Warden.Core.Audit.Privacy;

/// <summary>
/// The record fields that may be sealed (encrypted per data subject), by their path in the record's JSON. Identity
/// fields are always sealed; content fields only when <c>audit.privacy.encryptContent</c> is on.
/// </summary>
public static class SealedField
{
    public const string Subject = "user.subject";
    public const string DisplayName = "user.display_name";
    public const string OnBehalfOf = "user.on_behalf_of";
    public const string Arguments = "input.arguments";
    public const string Prompt = "input.prompt";
    public const string Justification = "input.justification";
    public const string Content = "output.content";
    public const string ContentSha256 = "output.content_sha256";
    public const string Diff = "output.diff";

    /// <summary>Every path a record's <c>sealed</c> member may name.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Subject, DisplayName, OnBehalfOf, Arguments, Prompt, Justification, Content, ContentSha256, Diff,
    };

    /// <summary>Paths whose place in the record keeps a pseudonym while sealed (the rest are left out).</summary>
    public static bool KeepsPseudonym(string path) => path is Subject or OnBehalfOf;
}
