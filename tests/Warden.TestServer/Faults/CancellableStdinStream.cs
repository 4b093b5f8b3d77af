namespace Warden.TestServer.Faults;

/// <summary>
/// Stdin whose reads give up when cancelled. Console streams ignore cancellation tokens, so without this
/// a host shutdown (SIGTERM) would wait forever on a read the parent never satisfies.
/// </summary>
public sealed class CancellableStdinStream : Stream
{
    private readonly Stream _stdin;

    public CancellableStdinStream(Stream stdin) => _stdin = stdin;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = _stdin.ReadAsync(buffer, cancellationToken);
        return read.IsCompleted ? read : new ValueTask<int>(read.AsTask().WaitAsync(cancellationToken));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => _stdin.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stdin.Dispose();
        }

        base.Dispose(disposing);
    }
}
