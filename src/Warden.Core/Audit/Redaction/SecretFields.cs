using System.Buffers;

namespace Warden.Core.Audit.Redaction;

/// <summary>
/// Recognises JSON fields whose names look secret (<c>password</c>, <c>client_secret</c>, <c>apiKey</c>,
/// <c>Authorization</c>, <c>X-Api-Key</c>, …) and decides whether a value in one is a secret.
/// </summary>
internal static class SecretFields
{
    // Matched against the end of the name lowercased with everything but letters and digits dropped, so
    // api_key, apiKey, X-Api-Key and API.KEY read alike; "max_tokens" or "token_type" do not end in one.
    private static readonly string[] PasswordEndings = ["password", "passwords", "passwd", "passphrase"];

    private static readonly string[] TokenEndings =
    [
        "secret", "secrets", "token", "tokens", "apikey", "accesskey", "secretkey", "privatekey", "signingkey", "encryptionkey", "masterkey",
        "sessionkey", "authkey", "credential", "credentials", "authorization", "cookie", "bearer",
    ];

    private const int MaxNameChars = 128;

    /// <summary>What the field <paramref name="name"/> holds, or <paramref name="inherited"/> (the enclosing field's kind) when its name says nothing.</summary>
    public static SecretField Classify(ReadOnlySpan<char> name, SecretField inherited)
    {
        Span<char> buffer = stackalloc char[MaxNameChars];
        var length = 0;
        foreach (var c in name.Length > MaxNameChars ? name[^MaxNameChars..] : name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        var normalized = buffer[..length];
        foreach (var ending in PasswordEndings)
        {
            if (normalized.EndsWith(ending, StringComparison.Ordinal))
            {
                return SecretField.Password;
            }
        }

        foreach (var ending in TokenEndings)
        {
            if (normalized.EndsWith(ending, StringComparison.Ordinal))
            {
                return SecretField.Token;
            }
        }

        return normalized is "auth" ? SecretField.Token : inherited;
    }

    /// <summary>Whether a string value of a field of kind <paramref name="field"/> is a secret to mask whole.</summary>
    public static bool IsSecret(ReadOnlySpan<char> value, SecretField field) => field switch
    {
        SecretField.Password => !Placeholders.IsPlaceholder(value),
        SecretField.Token => LooksRandom(value),
        _ => false,
    };

    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\r\n");

    /// <summary>
    /// A credential rather than a word, a date or a name: at least 16 characters without spaces (after an
    /// HTTP auth scheme such as <c>Bearer</c>), letters mixed with digits or both cases, and at least 3 bits of
    /// Shannon entropy per character. A UUID or a hex digest passes; <c>next-page</c> or a timestamp does not.
    /// </summary>
    public static bool LooksRandom(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        var space = value.IndexOf(' ');
        if (space > 0 && value[..space] is var scheme && (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || scheme.Equals("Token", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("Bot", StringComparison.OrdinalIgnoreCase)))
        {
            value = value[(space + 1)..].Trim();
        }

        if (value.Length < 16 || value.ContainsAny(Whitespace) || Placeholders.IsPlaceholder(value))
        {
            return false;
        }

        bool lower = false, upper = false, digit = false;
        foreach (var c in value)
        {
            lower |= char.IsAsciiLetterLower(c);
            upper |= char.IsAsciiLetterUpper(c);
            digit |= char.IsAsciiDigit(c);
        }

        return (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) >= 2 && Entropy(value) >= 3.0;
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        // Secrets are ASCII; anything else shares one bucket, which only lowers the estimate.
        Span<int> counts = stackalloc int[129];
        foreach (var c in value)
        {
            counts[c < 128 ? c : 128]++;
        }

        var entropy = 0.0;
        foreach (var count in counts)
        {
            if (count > 0)
            {
                var p = (double)count / value.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy;
    }
}
