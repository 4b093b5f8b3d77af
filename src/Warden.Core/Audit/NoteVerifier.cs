using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Warden.Core.Audit;

/// <summary>
/// An Ed25519 public key for C2SP signed notes, named and identified as the spec prescribes; its text form is
/// the verifier key <c>name+hex(key id)+base64(0x01 || public key)</c> that auditors configure.
/// </summary>
public sealed class NoteVerifier
{
    /// <summary>The signed-note signature type byte for Ed25519.</summary>
    internal const byte Ed25519Type = 0x01;

    internal const int PublicKeySize = 32;
    internal const int SignatureSize = 64;

    private readonly PublicKey _key;
    private readonly byte[] _publicKey;

    private NoteVerifier(string name, byte[] publicKey, PublicKey key)
    {
        Name = name;
        _publicKey = publicKey;
        _key = key;
        KeyId = ComputeKeyId(name, publicKey);
        VerifierKey = $"{name}+{KeyId:x8}+{Convert.ToBase64String([Ed25519Type, .. publicKey])}";
    }

    /// <summary>The key name (the log origin for Warden's checkpoints).</summary>
    public string Name { get; }

    /// <summary>The key id: the first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key).</summary>
    public uint KeyId { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>The verifier key string, <c>name+hex(key id)+base64(0x01 || public key)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>A verifier for a raw 32-byte Ed25519 public key under <paramref name="name"/>.</summary>
    public static NoteVerifier FromPublicKey(string name, ReadOnlySpan<byte> publicKey)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid note key name: it must be non-empty, without spaces, control characters or '+'.", nameof(name));
        }

        if (publicKey.Length != PublicKeySize || !NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key))
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes encoding a valid curve point.", nameof(publicKey));
        }

        return new NoteVerifier(name, publicKey.ToArray(), key!);
    }

    /// <summary>Parses a verifier key string; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static NoteVerifier Parse(string verifierKey) =>
        TryParse(verifierKey, out var verifier, out var problem) ? verifier : throw new FormatException(problem);

    /// <summary>Parses a verifier key string <c>name+hex(key id)+base64(0x01 || public key)</c>.</summary>
    public static bool TryParse(string verifierKey, [NotNullWhen(true)] out NoteVerifier? verifier) =>
        TryParse(verifierKey, out verifier, out _);

    private static bool TryParse(string verifierKey, [NotNullWhen(true)] out NoteVerifier? verifier, [NotNullWhen(false)] out string? problem)
    {
        verifier = null;
        var parts = verifierKey.Split('+', 3);
        if (parts.Length != 3)
        {
            problem = "A verifier key has the form name+keyid+base64key (three parts separated by '+').";
            return false;
        }

        var (name, idText, keyText) = (parts[0], parts[1], parts[2]);
        if (!IsValidName(name))
        {
            problem = $"'{name}' is not a valid key name.";
            return false;
        }

        if (idText.Length != 8 || !uint.TryParse(idText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        {
            problem = $"The key id '{idText}' must be 8 hexadecimal digits.";
            return false;
        }

        var typedKey = DecodeBase64(keyText);
        if (typedKey is null || typedKey.Length != 1 + PublicKeySize || typedKey[0] != Ed25519Type)
        {
            problem = "The key must be base64 of 0x01 followed by a 32-byte Ed25519 public key.";
            return false;
        }

        var publicKey = typedKey[1..];
        if (ComputeKeyId(name, publicKey) != keyId)
        {
            problem = $"The key id {idText} does not match the name and public key (the key string is corrupted).";
            return false;
        }

        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key))
        {
            problem = "The public key is not a valid Ed25519 point.";
            return false;
        }

        verifier = new NoteVerifier(name, publicKey, key!);
        problem = null;
        return true;
    }

    /// <summary>True when <paramref name="signature"/> (64 bytes, without the key id) signs <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize && SignatureAlgorithm.Ed25519.Verify(_key, message, signature);

    /// <inheritdoc />
    public override string ToString() => VerifierKey;

    /// <summary>SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.</summary>
    internal static uint ComputeKeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>Key names are non-empty, with no Unicode space, no control character and no '+'.</summary>
    internal static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '+' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }

            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[++i])))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Standard base64 with padding and nothing else (no whitespace, which .NET would otherwise skip).</summary>
    internal static byte[]? DecodeBase64(string text)
    {
        if (text.Length == 0 || text.Length % 4 != 0)
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                return null;
            }
        }

        var buffer = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
