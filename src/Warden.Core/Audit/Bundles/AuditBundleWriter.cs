using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Warden.Core.Audit.Bundles;

/// <summary>Writes an export bundle (a zip): each file hashed as it is written, the manifest listing them all written last.</summary>
public sealed class AuditBundleWriter : IDisposable
{
    private readonly ZipArchive _zip;
    private readonly DateTimeOffset _created;
    private readonly List<BundleFile> _files = [];

    /// <summary>A bundle written to <paramref name="destination"/>; every entry is dated <paramref name="created"/>.</summary>
    public AuditBundleWriter(Stream destination, DateTimeOffset created)
    {
        _zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        _created = created;
    }

    /// <summary>Adds a file with <paramref name="content"/>.</summary>
    public async Task AddAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var file = Open(name);
        await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a text file (UTF-8, no byte order mark).</summary>
    public Task AddTextAsync(string name, string text, CancellationToken cancellationToken) => AddAsync(name, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Opens a file to write in pieces (one at a time); it is hashed and listed when disposed.</summary>
    public BundleFileWriter Open(string name)
    {
        var entry = _zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = _created;
        return new BundleFileWriter(name, entry.Open(), _files.Add);
    }

    /// <summary>Writes <c>manifest.json</c> (with every file written so far) and finishes the zip.</summary>
    public async Task CompleteAsync(AuditBundleManifest manifest, CancellationToken cancellationToken)
    {
        var json = (manifest with { Files = _files.ToList() }).ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var entry = _zip.CreateEntry(AuditBundle.ManifestFile, CompressionLevel.Optimal);
        entry.LastWriteTime = _created;
        await using (var stream = entry.Open())
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(json + "\n"), cancellationToken).ConfigureAwait(false);
        }

        _zip.Dispose();
    }

    public void Dispose() => _zip.Dispose();

    /// <summary>One bundle file being written: counts and hashes its bytes.</summary>
    public sealed class BundleFileWriter(string name, Stream stream, Action<BundleFile> done) : IAsyncDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _bytes;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            _hash.AppendData(content.Span);
            _bytes += content.Length;
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            done(new BundleFile(name, Convert.ToHexStringLower(_hash.GetHashAndReset()), _bytes));
            _hash.Dispose();
        }
    }
}
