using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Audit.Privacy;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce; the output is nonce (12 bytes) || ciphertext || tag (16 bytes). The
/// associated data binds a ciphertext to where it belongs (a record id and field path), so it cannot be moved.
/// </summary>
public static class FieldCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>The associated data of a record field: UTF-8 of the record id, a line feed, the field path.</summary>
    public static byte[] FieldContext(string recordId, string path) => Encoding.UTF8.GetBytes(recordId + "\n" + path);

    /// <summary>Encrypts <paramref name="plaintext"/> under <paramref name="key"/> (32 bytes) bound to <paramref name="context"/>.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> context, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), context);
        return output;
    }

    /// <summary>The plaintext, or null when the ciphertext does not open with this key and context.</summary>
    public static byte[]? Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> context, ReadOnlySpan<byte> sealedBytes)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(sealedBytes[..NonceSize], sealedBytes.Slice(NonceSize, plaintext.Length), sealedBytes[^TagSize..], plaintext, context);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
