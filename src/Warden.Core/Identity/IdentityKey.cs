using System.Security.Cryptography;
using System.Text;
using Warden.Core.Audit;

namespace Warden.Core.Identity;

/// <summary>
/// The secret kept outside the identity database: API keys are stored as HMAC-SHA-256 under a key derived from it
/// (HKDF, one label per use, so later identity data such as upstream credentials gets keys of its own). It lives in
/// <c>identity.key</c> in the data directory (mode 0600), or comes from <c>auth.identityKey</c> (base64 of 32 bytes)
/// so that replicas sharing a database share it. Whoever can write the database but not read this key cannot mint
/// a working key (an admin key, say) by inserting a row, and a copy of the database alone confirms no key.
/// </summary>
public sealed class IdentityKey : IDisposable
{
    /// <summary>The key's file name in the data directory.</summary>
    public const string FileName = "identity.key";

    private const string Header = "warden-identity-key-v1 ";
    private readonly byte[] _apiKeyHashKey;
    private readonly byte[] _credentialKey;

    private IdentityKey(ReadOnlySpan<byte> master)
    {
        _apiKeyHashKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master.ToArray(), 32, [], "warden api key hash v1"u8.ToArray());
        _credentialKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master.ToArray(), 32, [], "warden upstream credential v1"u8.ToArray());
    }

    /// <summary>A key from <c>auth.identityKey</c> (base64 of 32 bytes), or the file in <paramref name="dataDirectory"/>, made on first use.</summary>
    public static IdentityKey Load(string? configured, string dataDirectory)
    {
        if (configured is { Length: > 0 })
        {
            var bytes = new byte[32];
            return Convert.TryFromBase64String(configured, bytes, out var written) && written == 32
                ? new IdentityKey(bytes)
                : throw new InvalidOperationException("auth.identityKey must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
        }

        return LoadOrCreate(dataDirectory);
    }

    /// <summary>A key held in memory only (tests).</summary>
    public static IdentityKey FromBytes(ReadOnlySpan<byte> master) =>
        master.Length == 32 ? new IdentityKey(master) : throw new ArgumentException("An identity key is 32 bytes.", nameof(master));

    // Another process (serve, or a `warden keys` command) may make it at the same moment: everyone uses the first.
    private static IdentityKey LoadOrCreate(string directory) =>
        SecretKeyFile.LoadOrCreate(Path.Combine(Path.GetFullPath(directory), FileName), Header, Messages, key => new IdentityKey(key));

    private static readonly SecretKeyFile.Messages Messages = new(
        (path, mode) => $"The identity key '{path}' is accessible by other users (mode {mode}); with it and the identity database anyone could check guessed API keys. "
            + $"Restrict it with `chmod 600 '{path}'`.",
        path => $"The identity key '{path}' is not a valid key file. Restore it from backup; without it no API key (the admin key included) can be checked, "
            + "and every key must be made again (`warden keys rotate-admin`, then `warden keys create`).");

    /// <summary>The stored form of an API key: HMAC-SHA-256 of its UTF-8 bytes.</summary>
    public byte[] HashApiKey(string token) => HMACSHA256.HashData(_apiKeyHashKey, Encoding.UTF8.GetBytes(token));

    /// <summary>True when <paramref name="token"/> hashes to <paramref name="stored"/>, compared in constant time.</summary>
    public bool ApiKeyMatches(string token, byte[] stored)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_apiKeyHashKey, Encoding.UTF8.GetBytes(token), hash);
        return CryptographicOperations.FixedTimeEquals(hash, stored);
    }

    /// <summary>
    /// Encrypts an upstream credential (AES-256-GCM, random nonce) bound to <paramref name="context"/> (its server and
    /// subject): a sealed value moved to another row does not open. Layout: nonce (12) || ciphertext || tag (16).
    /// </summary>
    public byte[] SealCredential(string secret, string context)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedValue = new byte[12 + plaintext.Length + 16];
        RandomNumberGenerator.Fill(sealedValue.AsSpan(0, 12));
        using (var aes = new AesGcm(_credentialKey, 16))
        {
            aes.Encrypt(sealedValue.AsSpan(0, 12), plaintext, sealedValue.AsSpan(12, plaintext.Length), sealedValue.AsSpan(12 + plaintext.Length), Encoding.UTF8.GetBytes(context));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return sealedValue;
    }

    /// <summary>Decrypts what <see cref="SealCredential"/> made for <paramref name="context"/>; null when it does not open (tampered, moved, other key).</summary>
    public string? OpenCredential(byte[] sealedValue, string context)
    {
        if (sealedValue.Length < 12 + 16)
        {
            return null;
        }

        var plaintext = new byte[sealedValue.Length - 28];
        try
        {
            using var aes = new AesGcm(_credentialKey, 16);
            aes.Decrypt(sealedValue.AsSpan(0, 12), sealedValue.AsSpan(12, plaintext.Length), sealedValue.AsSpan(12 + plaintext.Length), plaintext, Encoding.UTF8.GetBytes(context));
            return Encoding.UTF8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_apiKeyHashKey);
        CryptographicOperations.ZeroMemory(_credentialKey);
    }
}
