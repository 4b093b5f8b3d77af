using System.Security.Cryptography;
using System.Text;
using Warden.Core.Audit.Redaction;

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

    /// <summary>
    /// Like <see cref="FromContent"/> for content already encoded as UTF-8: the hash covers the bytes as they are,
    /// and only the kept prefix is decoded (a long result is never turned into one big string).
    /// </summary>
    public static AuditOutput FromUtf8(ReadOnlySpan<byte> content, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));

        // At most 4 bytes a character; back off to a character boundary (never inside a UTF-8 sequence).
        var take = (int)Math.Min(content.Length, (long)maxChars * 4);
        while (take < content.Length && take > 0 && (content[take] & 0xC0) == 0x80)
        {
            take--;
        }

        var prefix = Encoding.UTF8.GetString(content[..take]);
        var cut = CutAt(prefix, maxChars);
        return new AuditOutput
        {
            Content = prefix[..cut],
            Truncated = cut < prefix.Length || take < content.Length,
            ContentSha256 = hash,
        };
    }

    /// <summary>An output holding at most <paramref name="maxChars"/> UTF-16 chars of <paramref name="content"/>, with the hash of all of it.</summary>
    public static AuditOutput FromContent(string content, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        var cut = CutAt(content, maxChars);
        return new AuditOutput
        {
            Content = content[..cut],
            Truncated = cut < content.Length,
            ContentSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))),
        };
    }

    /// <summary>
    /// Like <see cref="FromUtf8"/> for a JSON result, with secrets masked first (<see cref="SecretRedactor.RedactJsonUtf8"/>):
    /// the kept content and the hash are both of the redacted whole, so the hash can never confirm a guessed secret.
    /// </summary>
    public static AuditOutput FromJsonUtf8(ReadOnlySpan<byte> json, int maxChars, SecretRedactor redactor, RedactionTally tally) =>
        redactor.RedactJsonUtf8(json, tally) is { } redacted ? FromUtf8(redacted, maxChars) : FromUtf8(json, maxChars);

    /// <summary>Like <see cref="FromContent(string, int)"/>, with secrets masked first: content and hash are of the redacted whole.</summary>
    public static AuditOutput FromContent(string content, int maxChars, SecretRedactor redactor, RedactionTally tally) =>
        FromContent(redactor.Redact(content, tally), maxChars);

    // Where to cut text to at most maxChars UTF-16 chars, never splitting a surrogate pair: the stored prefix
    // must stay valid Unicode.
    private static int CutAt(string text, int maxChars)
    {
        var cut = Math.Min(maxChars, text.Length);
        return cut > 0 && cut < text.Length && char.IsHighSurrogate(text[cut - 1]) ? cut - 1 : cut;
    }
}
