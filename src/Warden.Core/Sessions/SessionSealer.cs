using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Warden.Core.Sessions;

/// <summary>
/// Seals <see cref="SessionTicket"/>s into opaque session ids with AES-256-GCM. A ticket that was not
/// sealed with this key, or was altered in any byte, does not open.
/// </summary>
public sealed class SessionSealer
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("warden/session/v1");
    private readonly byte[] _key;

    public SessionSealer(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The session key must be 32 bytes.", nameof(key));
        }

        _key = key;
    }

    public string Seal(SessionTicket ticket)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(ticket, SessionTicketJsonContext.Default.SessionTicket);
        var sealedBytes = new byte[1 + NonceSize + plain.Length + TagSize];
        sealedBytes[0] = FormatVersion;
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(1 + NonceSize, plain.Length), sealedBytes.AsSpan(1 + NonceSize + plain.Length), AssociatedData);
        return Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>Opens a session id; null when it is malformed, forged or sealed with another key.</summary>
    public SessionTicket? Open(string sessionId)
    {
        if (sessionId.Length is < 40 or > 16384)
        {
            return null;
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(sessionId);
        }
        catch (FormatException)
        {
            return null;
        }

        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != FormatVersion)
        {
            return null;
        }

        var cipherLength = sealedBytes.Length - 1 - NonceSize - TagSize;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(1, NonceSize), sealedBytes.AsSpan(1 + NonceSize, cipherLength), sealedBytes.AsSpan(1 + NonceSize + cipherLength), plain, AssociatedData);
            return JsonSerializer.Deserialize(plain, SessionTicketJsonContext.Default.SessionTicket);
        }
        catch (Exception ex) when (ex is AuthenticationTagMismatchException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Loads the key from config, or from (creating if needed) a key file readable only by the owner.</summary>
    public static byte[] LoadOrCreateKey(string? configuredKey, string keyFilePath)
    {
        if (configuredKey is not null)
        {
            return Convert.FromBase64String(configuredKey);
        }

        if (File.Exists(keyFilePath))
        {
            var existing = Convert.FromBase64String(File.ReadAllText(keyFilePath).Trim());
            if (existing.Length == 32)
            {
                return existing;
            }

            throw new InvalidOperationException($"The session key file '{keyFilePath}' does not hold a 32-byte base64 key; delete it to generate a new one.");
        }

        var key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyFilePath))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(keyFilePath, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        return key;
    }
}
