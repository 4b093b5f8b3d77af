using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Audit;

/// <summary>
/// A 32-byte master key kept in a file of its own (mode 0600): one line, a versioned header and the key in base64.
/// Made on first use; when two processes race to make it, both end up with the one that was written first.
/// </summary>
public static class SecretKeyFile
{
    /// <summary>What to tell the operator when the file is unusable: <c>Exposed(path, mode)</c> and <c>Invalid(path)</c>.</summary>
    public sealed record Messages(Func<string, string, string> Exposed, Func<string, string> Invalid);

    /// <summary>
    /// Hands the key in <paramref name="path"/> to <paramref name="use"/>, making the file with a new random key first
    /// when there is none. The key bytes are wiped once <paramref name="use"/> returns.
    /// </summary>
    public static T LoadOrCreate<T>(string path, string header, Messages messages, Func<byte[], T> use)
    {
        if (!File.Exists(path))
        {
            OwnerOnlyFile.EnsureDirectory(Path.GetDirectoryName(path)!);
            var key = RandomNumberGenerator.GetBytes(32);
            try
            {
                using var stream = OwnerOnlyFile.CreateNew(path);
                stream.Write(Encoding.ASCII.GetBytes(header + Convert.ToBase64String(key) + "\n"));
                stream.Flush(flushToDisk: true);
                return use(key);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first: everyone must use that one, so read it below.
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return Load(path, header, messages, use);
    }

    /// <summary>Hands the key in an existing <paramref name="path"/> to <paramref name="use"/>; refuses a file others can read or one that is not a key file.</summary>
    public static T Load<T>(string path, string header, Messages messages, Func<byte[], T> use)
    {
        if (OwnerOnlyFile.SharedMode(path) is { } mode)
        {
            throw new InvalidOperationException(messages.Exposed(path, mode));
        }

        var text = File.ReadAllText(path).Trim();
        var key = new byte[32];
        try
        {
            if (!text.StartsWith(header, StringComparison.Ordinal) || !Convert.TryFromBase64String(text[header.Length..], key, out var written) || written != 32)
            {
                throw new InvalidOperationException(messages.Invalid(path));
            }

            return use(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
