using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Warden.Core.Audit;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The keys Warden signs and encrypts its tokens with, kept under <c>{data}/oauth-keys/</c> (directory 0700, files 0600):
/// <c>signing-*.pem</c> (RSA, PKCS#8) and <c>encryption-*.key</c> (256-bit AES, base64). Generated on first start;
/// <see cref="Rotate"/> adds a newer pair, which signs and encrypts from the next start on while the older ones still
/// validate the tokens they made. Delete a retired pair once the refresh-token lifetime has passed since its rotation.
/// </summary>
public sealed class OAuthKeyRing
{
    private OAuthKeyRing(IReadOnlyList<SecurityKey> signing, IReadOnlyList<SecurityKey> encryption)
    {
        SigningKeys = signing;
        EncryptionKeys = encryption;
    }

    /// <summary>Newest first: the first signs, all verify.</summary>
    public IReadOnlyList<SecurityKey> SigningKeys { get; }

    /// <summary>Newest first: the first encrypts, all decrypt.</summary>
    public IReadOnlyList<SecurityKey> EncryptionKeys { get; }

    public static string DirectoryFor(string dataDirectory) => Path.Combine(dataDirectory, "oauth-keys");

    /// <summary>Loads the key ring, creating the first pair when the directory has none.</summary>
    public static OAuthKeyRing LoadOrCreate(string dataDirectory, TimeProvider time)
    {
        var directory = DirectoryFor(dataDirectory);
        OwnerOnlyFile.EnsureDirectory(directory);
        if (!Directory.EnumerateFiles(directory, "signing-*.pem").Any() || !Directory.EnumerateFiles(directory, "encryption-*.key").Any())
        {
            Rotate(dataDirectory, time);
        }

        return new OAuthKeyRing(
            [.. Newest(directory, "signing-*.pem").Select(LoadSigningKey)],
            [.. Newest(directory, "encryption-*.key").Select(LoadEncryptionKey)]);
    }

    /// <summary>Writes a new signing and encryption key pair; returns its key id. Takes effect at the next start.</summary>
    public static string Rotate(string dataDirectory, TimeProvider time)
    {
        var directory = DirectoryFor(dataDirectory);
        OwnerOnlyFile.EnsureDirectory(directory);

        // The id sorts by creation time (to the 100 ns tick, and always after the newest key there), so "newest
        // first" is an ordinal sort; the random tail keeps two Wardens rotating one shared directory apart.
        var ticks = time.GetUtcNow().UtcTicks;
        if (Newest(directory, "signing-*.pem").FirstOrDefault() is { } newest
            && long.TryParse(Path.GetFileNameWithoutExtension(newest)["signing-".Length..].Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && last >= ticks)
        {
            ticks = last + 1;
        }

        var id = ticks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using (var rsa = RSA.Create(2048))
        {
            Write(Path.Combine(directory, $"signing-{id}.pem"), rsa.ExportPkcs8PrivateKeyPem());
        }

        Write(Path.Combine(directory, $"encryption-{id}.key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return id;
    }

    private static IEnumerable<string> Newest(string directory, string pattern) =>
        Directory.EnumerateFiles(directory, pattern).OrderByDescending(Path.GetFileName, StringComparer.Ordinal);

    private static RsaSecurityKey LoadSigningKey(string path)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        return new RsaSecurityKey(rsa) { KeyId = KeyId(path) };
    }

    private static SymmetricSecurityKey LoadEncryptionKey(string path)
    {
        var bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        if (bytes.Length != 32)
        {
            throw new InvalidOperationException($"{path} must hold a base64 256-bit key; delete it and restart Warden to make a new one (tokens it encrypted become invalid).");
        }

        return new SymmetricSecurityKey(bytes) { KeyId = KeyId(path) };
    }

    private static string KeyId(string path) => "warden-" + Path.GetFileNameWithoutExtension(path);

    private static void Write(string path, string text)
    {
        using var stream = OwnerOnlyFile.CreateNew(path);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
