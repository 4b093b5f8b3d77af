namespace Warden.TestServer.Faults;

/// <summary>
/// Owns the process's stdout in stdio mode. The SDK's stream transport writes each message as
/// (json, newline, flush) under its own lock; this stream holds those writes until the flush and then
/// emits the whole line under a gate, so <see cref="WriteRawLineAsync"/> can slip a foreign line in
/// between two messages without ever splitting one.
/// </summary>
public sealed class GatedStdoutStream : Stream
{
    private readonly Stream _stdout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MemoryStream _pending = new();

    public GatedStdoutStream(Stream stdout) => _stdout = stdout;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Writes <paramref name="line"/> plus a newline to stdout as one unit between messages.</summary>
    public async Task WriteRawLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _stdout.WriteAsync(line, cancellationToken);
            await _stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
            await _stdout.FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => _pending.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _pending.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _pending.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_pending.Length > 0)
            {
                await _stdout.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
                _pending.SetLength(0);
            }

            await _stdout.FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stdout.Dispose();
            _gate.Dispose();
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }
}
