using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Audit.Privacy;

/// <summary>
/// The key that protects every data subject's key: kept in <c>audit-privacy.key</c> beside the audit signing key
/// (mode 0600), never in the database. Two keys are derived from it (HKDF-SHA256): one wraps subject keys (AES-256-GCM),
/// one turns a subject id into its lookup value (HMAC-SHA256), so the database never holds a subject id in clear.
/// </summary>
public sealed class AuditMasterKey : IDisposable
{
    /// <summary>The master key's file name in the data directory.</summary>
    public const string FileName = "audit-privacy.key";

    private const string Header = "warden-audit-privacy-key-v1 ";
    private readonly byte[] _wrapKey;
    private readonly byte[] _lookupKey;

    private AuditMasterKey(ReadOnlySpan<byte> master)
    {
        _wrapKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master.ToArray(), 32, [], "warden audit subject-key wrap v1"u8.ToArray());
        _lookupKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master.ToArray(), 32, [], "warden audit subject lookup v1"u8.ToArray());
    }

    /// <summary>A master key held in memory only (tests).</summary>
    public static AuditMasterKey FromBytes(ReadOnlySpan<byte> master) =>
        master.Length == 32 ? new AuditMasterKey(master) : throw new ArgumentException("A master key is 32 bytes.", nameof(master));

    /// <summary>Loads the master key from <paramref name="directory"/>, generating it (mode 0600) on first use.</summary>
    public static AuditMasterKey LoadOrCreate(string directory) =>
        SecretKeyFile.LoadOrCreate(Path.Combine(Path.GetFullPath(directory), FileName), Header, Messages, key => new AuditMasterKey(key));

    /// <summary>The master key in <paramref name="directory"/>, or null when there is none (nothing was ever sealed there). Never creates one.</summary>
    public static AuditMasterKey? TryLoad(string directory)
    {
        var path = Path.Combine(Path.GetFullPath(directory), FileName);
        return File.Exists(path) ? SecretKeyFile.Load(path, Header, Messages, key => new AuditMasterKey(key)) : null;
    }

    private static readonly SecretKeyFile.Messages Messages = new(
        (path, mode) => $"The audit privacy key '{path}' is accessible by other users (mode {mode}); anyone who can read it and the database can read every " +
            $"data subject's personal fields. Restrict it with `chmod 600 '{path}'`.",
        path => $"The audit privacy key '{path}' is not a valid key file. Restore it from backup: without it no personal field in the audit log can be read " +
            "(records still verify). Do not delete it to start over while the log holds sealed records.");

    /// <summary>The lookup value of <paramref name="subject"/>: HMAC-SHA256 under the derived lookup key (32 bytes).</summary>
    public byte[] Lookup(string subject) => HMACSHA256.HashData(_lookupKey, Encoding.UTF8.GetBytes(subject));

    /// <summary>Encrypts a subject key for storage, bound to its pseudonym: nonce (12) || ciphertext || tag (16).</summary>
    public byte[] Wrap(string pseudonym, ReadOnlySpan<byte> subjectKey) =>
        FieldCipher.Encrypt(_wrapKey, Encoding.UTF8.GetBytes("subject-key\n" + pseudonym), subjectKey);

    /// <summary>The subject key from its stored form, or null when it does not open (wrong master key, altered row).</summary>
    public byte[]? Unwrap(string pseudonym, ReadOnlySpan<byte> wrapped) =>
        FieldCipher.Decrypt(_wrapKey, Encoding.UTF8.GetBytes("subject-key\n" + pseudonym), wrapped);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_wrapKey);
        CryptographicOperations.ZeroMemory(_lookupKey);
    }
}
