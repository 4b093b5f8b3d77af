using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.DemoServer.Tools;

/// <summary>Hex digests of text, e.g. to compare a file's checksum.</summary>
[McpServerToolType]
public sealed class HashTool
{
    [McpServerTool(Name = "hash_text", Title = "Hash text", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Hashes the UTF-8 bytes of the text and returns the lowercase hex digest. Algorithms: sha256 (default), sha1, md5.")]
    public static CallToolResult HashText(
        [Description("Text to hash")] string text,
        [Description("sha256, sha1 or md5")] string algorithm = "sha256")
    {
        var bytes = Encoding.UTF8.GetBytes(text);

        // sha1 and md5 are offered for matching existing checksums, not for security.
#pragma warning disable CA5350, CA5351
        byte[]? digest = algorithm.Trim().ToLowerInvariant() switch
        {
            "sha256" or "sha-256" => SHA256.HashData(bytes),
            "sha1" or "sha-1" => SHA1.HashData(bytes),
            "md5" => MD5.HashData(bytes),
            _ => null,
        };
#pragma warning restore CA5350, CA5351
        return digest is null
            ? ToolResults.Error($"Unsupported algorithm '{algorithm}'. Use sha256, sha1 or md5.")
            : ToolResults.Text(Convert.ToHexStringLower(digest));
    }
}
