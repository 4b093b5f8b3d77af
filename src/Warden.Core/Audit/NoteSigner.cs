using System.Security.Cryptography;
using NSec.Cryptography;

namespace Warden.Core.Audit;

/// <summary>An Ed25519 private key that signs C2SP signed notes under a key name. Dispose it to erase the key.</summary>
public sealed class NoteSigner : IDisposable
{
    private const string PrivateKeyPrefix = "PRIVATE+KEY+";
    private readonly Key _key;

    private NoteSigner(string name, Key key)
    {
        _key = key;
        Verifier = NoteVerifier.FromPublicKey(name, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The key name.</summary>
    public string Name => Verifier.Name;

    /// <summary>The key id that prefixes this signer's signatures.</summary>
    public uint KeyId => Verifier.KeyId;

    /// <summary>The public half, for verifying what this signer signs.</summary>
    public NoteVerifier Verifier { get; }

    /// <summary>Generates a new random Ed25519 key named <paramref name="name"/>.</summary>
    public static NoteSigner Generate(string name)
    {
        EnsureValidName(name);
        return new NoteSigner(name, Key.Create(SignatureAlgorithm.Ed25519, Exportable));
    }

    /// <summary>Signs <paramref name="message"/>: the 64-byte Ed25519 signature (without the key id).</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <summary>Erases the private key from memory.</summary>
    public void Dispose() => _key.Dispose();

    /// <summary>A signer from a 32-byte RFC 8032 private key seed.</summary>
    internal static NoteSigner FromSeed(string name, ReadOnlySpan<byte> seed)
    {
        EnsureValidName(name);
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 private key seed is 32 bytes.", nameof(seed));
        }

        return new NoteSigner(name, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, Exportable));
    }

    /// <summary>
    /// Parses the private key text <c>PRIVATE+KEY+name+hex(key id)+base64(0x01 || seed)</c> (the format of
    /// golang.org/x/mod/sumdb/note, so keys move between tools). Returns null, never echoing the text, when malformed.
    /// </summary>
    internal static NoteSigner? ParsePrivateKey(string text)
    {
        if (!text.StartsWith(PrivateKeyPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = text[PrivateKeyPrefix.Length..].Split('+', 3);
        if (parts.Length != 3 || !NoteVerifier.IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var keyId))
        {
            return null;
        }

        var typedSeed = NoteVerifier.DecodeBase64(parts[2]);
        try
        {
            if (typedSeed is null || typedSeed.Length != 33 || typedSeed[0] != NoteVerifier.Ed25519Type)
            {
                return null;
            }

            var signer = FromSeed(parts[0], typedSeed.AsSpan(1));
            if (signer.KeyId != keyId)
            {
                signer.Dispose();
                return null;
            }

            return signer;
        }
        finally
        {
            if (typedSeed is not null)
            {
                CryptographicOperations.ZeroMemory(typedSeed);
            }
        }
    }

    /// <summary>The private key text for storage. Secret: write it only to a file readable by its owner, never to a log.</summary>
    internal string ExportPrivateKey()
    {
        var typedSeed = new byte[33];
        try
        {
            typedSeed[0] = NoteVerifier.Ed25519Type;
            if (!_key.TryExport(KeyBlobFormat.RawPrivateKey, typedSeed.AsSpan(1), out var written) || written != 32)
            {
                throw new InvalidOperationException("The signing key could not be exported.");
            }

            return $"{PrivateKeyPrefix}{Name}+{KeyId:x8}+{Convert.ToBase64String(typedSeed)}";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(typedSeed);
        }
    }

    private static KeyCreationParameters Exportable => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

    private static void EnsureValidName(string name)
    {
        if (!NoteVerifier.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid note key name: it must be non-empty, without spaces, control characters or '+'.", nameof(name));
        }
    }
}
