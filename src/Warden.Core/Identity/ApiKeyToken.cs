using System.Security.Cryptography;

namespace Warden.Core.Identity;

/// <summary>
/// The shape of a Warden API key: <c>wdn_</c>, a 12-character id (base32, 60 bits) the store looks the key up by,
/// <c>_</c>, and 43 base62 characters drawn from the system CSPRNG (256 bits). The prefix lets people, secret scanners
/// and Warden's own redaction recognise a key; the alphabet has no <c>-</c> or <c>_</c>, so a double-click selects it whole.
/// </summary>
public static class ApiKeyToken
{
    public const string Prefix = "wdn_";
    public const int IdLength = 12;
    public const int SecretLength = 43;
    public const int Length = 4 + IdLength + 1 + SecretLength;

    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new key and its id.</summary>
    public static (string Id, string Token) Generate()
    {
        var id = RandomNumberGenerator.GetString(IdAlphabet, IdLength);
        return (id, $"{Prefix}{id}_{RandomNumberGenerator.GetString(SecretAlphabet, SecretLength)}");
    }

    /// <summary>True when <paramref name="token"/> is presented as a Warden key (the prefix); it may still be malformed.</summary>
    public static bool IsWardenKey(ReadOnlySpan<char> token) => token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The id embedded in a well-formed key; false when the key does not have the shape of one.</summary>
    public static bool TryGetId(ReadOnlySpan<char> token, out string id)
    {
        id = "";
        if (token.Length != Length || !IsWardenKey(token) || token[4 + IdLength] != '_')
        {
            return false;
        }

        var idPart = token.Slice(4, IdLength);
        var secret = token[(4 + IdLength + 1)..];
        if (idPart.ContainsAnyExcept(IdAlphabet) || secret.ContainsAnyExcept(SecretAlphabet))
        {
            return false;
        }

        id = idPart.ToString();
        return true;
    }

    /// <summary>True when <paramref name="text"/> is a key id (as <c>warden keys revoke</c> takes it).</summary>
    public static bool IsId(string text) => text.Length == IdLength && !text.AsSpan().ContainsAnyExcept(IdAlphabet);
}
