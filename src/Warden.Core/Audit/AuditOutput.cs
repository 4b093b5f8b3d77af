using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Audit;

/// <summary>What came back: the (redacted, size-capped) content with a SHA-256 of all of it, the error, the exit code and any file diff.</summary>
public sealed record AuditOutput
{
    /// <summary>The result content, redacted and cut to the configured size.</summary>
    public string? Content { get; init; }

    /// <summary>True when <see cref="Content"/> was cut short.</summary>
    public bool Truncated { get; init; }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 of the whole (redacted, uncut) content.</summary>
    public string? ContentSha256 { get; init; }

    /// <summary>The error message (JSON-RPC error, tool error, upstream failure).</summary>
    public string? Error { get; init; }

    /// <summary>A process exit code, for commands.</summary>
    public int? ExitCode { get; init; }

    /// <summary>A unified diff of a file edit.</summary>
    public string? Diff { get; init; }

    /// <summary>An output holding at most <paramref name="maxChars"/> UTF-16 chars of <paramref name="content"/>, with the hash of all of it.</summary>
    public static AuditOutput FromContent(string content, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        var cut = Math.Min(maxChars, content.Length);
        if (cut > 0 && cut < content.Length && char.IsHighSurrogate(content[cut - 1]))
        {
            // Never split a surrogate pair: the stored prefix must stay valid Unicode.
            cut--;
        }

        return new AuditOutput
        {
            Content = content[..cut],
            Truncated = cut < content.Length,
            ContentSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))),
        };
    }
}
