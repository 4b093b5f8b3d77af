using System.Text;

namespace Warden.Core.Audit.Spool;

/// <summary>
/// The local spool: records the log could not take, one canonical JSON object per line (<see cref="AuditRecordEncoder.Encode"/>
/// of the record as the pipeline made it: no seq, prev_hash or hash yet), appended and never rewritten, created
/// owner-only (0600). The caller serialises <see cref="Append"/>, <see cref="Read"/> and <see cref="Delete"/>.
/// </summary>
internal sealed class AuditSpool(string path, bool fsync) : IDisposable
{
    private FileStream? _writer;

    public string Path { get; } = path;

    /// <summary>The file rejected lines are moved to, beside the spool.</summary>
    public string RejectedPath => Path + ".rejected";

    public bool Exists => File.Exists(Path);

    /// <summary>Appends one record as one line; with <c>fsync</c>, the line is on disk when this returns.</summary>
    public void Append(AuditRecord record)
    {
        var line = AuditRecordEncoder.Encode(record);
        var writer = _writer ??= Open(Path);
        var end = writer.Length;
        try
        {
            writer.Write(line);
            writer.WriteByte((byte)'\n');
            writer.Flush(flushToDisk: fsync);
        }
        catch (IOException)
        {
            // Disk full mid-line: cut the half-written line off so the next one does not run into it.
            TryTruncate(writer, end);
            throw;
        }
    }

    /// <summary>
    /// Up to <paramref name="max"/> entries from byte <paramref name="offset"/> on. A last line without its newline
    /// (a write a crash cut short, whose call was never answered) is left out.
    /// </summary>
    public List<SpoolEntry> Read(long offset, int max)
    {
        var entries = new List<SpoolEntry>();
        if (!File.Exists(Path))
        {
            return entries;
        }

        using var reader = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        reader.Position = offset;
        var line = new MemoryStream();
        var position = offset;
        int b;
        while (entries.Count < max && (b = reader.ReadByte()) >= 0)
        {
            position++;
            if (b != '\n')
            {
                line.WriteByte((byte)b);
                continue;
            }

            entries.Add(Parse(line.ToArray(), position));
            line.SetLength(0);
        }

        return entries;
    }

    /// <summary>How many complete lines the spool holds.</summary>
    public long Count()
    {
        if (!File.Exists(Path))
        {
            return 0;
        }

        using var reader = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        int read;
        while ((read = reader.Read(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return lines;
    }

    /// <summary>Keeps an unreadable line for a person to look at, beside the spool.</summary>
    public void Reject(byte[] line)
    {
        using var rejected = Open(RejectedPath);
        rejected.Write(line);
        rejected.WriteByte((byte)'\n');
        rejected.Flush(flushToDisk: true);
    }

    /// <summary>Removes the spool once everything in it is in the log.</summary>
    public void Delete()
    {
        _writer?.Dispose();
        _writer = null;
        File.Delete(Path);
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }

    private static SpoolEntry Parse(byte[] line, long end)
    {
        try
        {
            return new SpoolEntry(AuditRecordDecoder.Decode(line), end, null);
        }
        catch (FormatException ex)
        {
            return new SpoolEntry(null, end, line) { Problem = ex.Message };
        }
    }

    private static FileStream Open(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            // Records hold arguments and results: owner-only, like the database.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    private static void TryTruncate(FileStream writer, long length)
    {
        try
        {
            writer.SetLength(length);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One spool line: its record (or the raw line when it cannot be read) and the offset just past it.</summary>
internal sealed record SpoolEntry(AuditRecord? Record, long End, byte[]? Raw)
{
    public string? Problem { get; init; }

    public override string ToString() => Record?.Id ?? Encoding.UTF8.GetString(Raw ?? []);
}
