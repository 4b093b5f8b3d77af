using System.Text;

namespace Warden.DemoServer.FileSystem;

/// <summary>Reads the start of a file as text, detecting binary content.</summary>
internal static class TextFiles
{
    /// <summary>The first <paramref name="limit"/> bytes of a file, decoded as UTF-8.</summary>
    public static async Task<TextPrefix> ReadPrefixAsync(string path, int limit, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, useAsync: true);
        var buffer = new byte[(int)Math.Min(limit, Math.Max(stream.Length, 1))];
        var count = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);

        // A NUL byte is the cheap, reliable sign of a binary file; UTF-8 text never contains one.
        if (Array.IndexOf(buffer, (byte)0, 0, count) >= 0)
        {
            return new TextPrefix("", stream.Length, Truncated: false, IsBinary: true);
        }

        return new TextPrefix(Encoding.UTF8.GetString(buffer, 0, count), stream.Length, stream.Length > count, IsBinary: false);
    }
}
