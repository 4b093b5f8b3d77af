using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Warden.Core.Configuration;

namespace Warden.Core.Audit.Spool;

/// <summary>
/// <c>audit.onFailure</c> around any <see cref="IAuditStore"/>. Closed: a record the store cannot take fails the
/// call, as the store says. Open: it goes to a local spool file instead and the call is served; from then on
/// every record goes to the spool (so none overtakes an earlier one) until the store can be written again, when
/// the spool is replayed into the log in order, each record getting its seq and hashes then, and removed. A spool
/// left by an earlier run is replayed at start, whichever the mode. A record already in the log (a replay a crash
/// cut short) is not appended twice.
/// </summary>
public sealed partial class SpoolingAuditStore : IAuditStore
{
    private const int ReadChunk = 256;
    private readonly IAuditStore _inner;
    private readonly AuditSpool _spool;
    private readonly Func<AuditFailureMode> _mode;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _replayer = Task.CompletedTask;
    private volatile bool _spooling;
    private volatile string? _spoolError;
    private long _spooled;

    // Where replay goes on in the spool file; only the replayer moves it, and only forward.
    private long _replayOffset;

    private SpoolingAuditStore(IAuditStore inner, AuditSpool spool, Func<AuditFailureMode> mode, TimeProvider time, ILogger logger)
    {
        _inner = inner;
        _spool = spool;
        _mode = mode;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Wraps <paramref name="inner"/>, spooling to <paramref name="spoolPath"/> (fsync'd per record when
    /// <paramref name="durability"/> is sync). A spool found there is replayed before this returns, if the store
    /// takes it; otherwise replay goes on in the background, every second, as it does after an outage.
    /// </summary>
    public static async Task<SpoolingAuditStore> OpenAsync(IAuditStore inner, string spoolPath, Func<AuditFailureMode> mode, AuditDurability durability, TimeProvider time, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var store = new SpoolingAuditStore(inner, new AuditSpool(spoolPath, durability == AuditDurability.Sync), mode, time, logger ?? NullLogger.Instance);
        var left = store._spool.Count();
        if (store._spool.Exists)
        {
            store._spooling = true;
            store._spooled = left;
            LogLeftOver(store._logger, spoolPath, left);
            await store.ReplayAsync(cancellationToken).ConfigureAwait(false);
        }

        store._replayer = Task.Run(store.ReplayLoopAsync, CancellationToken.None);
        return store;
    }

    /// <summary>The spool file (beside the database).</summary>
    public string SpoolPath => _spool.Path;

    /// <summary>Where the spool of the log in <paramref name="databasePath"/> lives: beside it, <c>warden.db.spool.jsonl</c>.</summary>
    public static string SpoolPathFor(string databasePath) => databasePath + ".spool.jsonl";

    /// <summary>How many records wait in the spool at <paramref name="spoolPath"/> (0 when there is none), for tools that only read.</summary>
    public static long CountSpooled(string spoolPath)
    {
        using var spool = new AuditSpool(spoolPath, fsync: false);
        return spool.Count();
    }

    public string? Unavailable => _mode() == AuditFailureMode.Open
        ? _spoolError
        : _spooling ? $"Audit records spooled earlier are being replayed into the log ({Spooled} left in {_spool.Path}); calls are refused until they are in, because audit.onFailure is closed." : _inner.Unavailable;

    public int QueueDepth => _inner.QueueDepth;

    public long Spooled => Interlocked.Read(ref _spooled);

    public async ValueTask<AuditAppendResult> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!_spooling)
            {
                var stored = await _inner.AppendAsync(record, cancellationToken).ConfigureAwait(false);
                return stored.Succeeded || _mode() == AuditFailureMode.Closed
                    ? stored
                    : await SpoolAsync(record, stored.Error, cancellationToken).ConfigureAwait(false) ?? stored;
            }

            if (_mode() == AuditFailureMode.Closed)
            {
                return AuditAppendResult.Failed(Unavailable ?? "The audit log cannot be written.");
            }

            // Records already wait in the spool: this one queues behind them, unless replay just emptied it.
            if (await SpoolAsync(record, null, cancellationToken).ConfigureAwait(false) is { } spooled)
            {
                return spooled;
            }
        }
    }

    // failure: why the store refused the record (spool it whatever the state), or null (spool it only while spooling).
    private async ValueTask<AuditAppendResult?> SpoolAsync(AuditRecord record, string? failure, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (failure is null && !_spooling)
            {
                return null;
            }

            try
            {
                _spool.Append(record);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _spoolError = $"The audit log cannot be written ({failure ?? "records are being spooled"}) and neither can its spool {_spool.Path} ({ex.Message}); Warden refuses calls until one of them can be.";
                LogSpoolFailed(_logger, _spool.Path, ex.Message);
                return AuditAppendResult.Failed(_spoolError);
            }

            _spoolError = null;
            Interlocked.Increment(ref _spooled);
            if (!_spooling)
            {
                _spooling = true;
                LogSpooling(_logger, _spool.Path, failure ?? "");
            }

            return new AuditAppendResult(record, null, Spooled: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReplayLoopAsync()
    {
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await tick.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_spooling && _inner.Unavailable is null)
                {
                    await ReplayAsync(_stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Moves spooled records into the log, oldest first, until the spool is empty or the log refuses one.</summary>
    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var replayed = 0;

        // Until one record is found missing from the log, the ones before it may be there already (a replay that
        // stopped between the log's commit and the spool's removal); after that, none can be.
        var checkExisting = true;
        while (true)
        {
            List<SpoolEntry> chunk;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                chunk = _spool.Read(_replayOffset, ReadChunk);
                if (chunk.Count == 0)
                {
                    // Everything spooled is in the log, and nothing is being spooled while the gate is held.
                    _spool.Delete();
                    _replayOffset = 0;
                    Interlocked.Exchange(ref _spooled, 0);
                    _spooling = false;
                    LogReplayed(_logger, replayed, _spool.Path);
                    return;
                }
            }
            catch (IOException ex)
            {
                LogReplayPaused(_logger, ex.Message);
                return;
            }
            finally
            {
                _gate.Release();
            }

            foreach (var entry in chunk)
            {
                if (entry.Record is not { } record)
                {
                    LogRejected(_logger, _spool.RejectedPath, entry.Problem ?? "");
                    _spool.Reject(entry.Raw!);
                }
                else if (!(checkExisting && await _inner.FindAsync(record.Id, cancellationToken).ConfigureAwait(false) is not null))
                {
                    checkExisting = false;
                    var result = await _inner.AppendAsync(record, cancellationToken).ConfigureAwait(false);
                    if (!result.Succeeded && await _inner.FindAsync(record.Id, cancellationToken).ConfigureAwait(false) is null)
                    {
                        // The log went away again: the same record is tried first next time.
                        LogReplayPaused(_logger, result.Error ?? "");
                        return;
                    }

                    replayed++;
                }

                _replayOffset = entry.End;
                Interlocked.Decrement(ref _spooled);
            }
        }
    }

    public IAsyncEnumerable<AuditRecord> ReadAsync(long fromSeq, CancellationToken cancellationToken) => _inner.ReadAsync(fromSeq, cancellationToken);

    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken) => _inner.QueryAsync(query, cancellationToken);

    public Task<AuditRecord?> FindAsync(string id, CancellationToken cancellationToken) => _inner.FindAsync(id, cancellationToken);

    public Task<IReadOnlyList<string>> CheckpointsAsync(CancellationToken cancellationToken) => _inner.CheckpointsAsync(cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken) => _inner.CountAsync(cancellationToken);

    public ILeafHashSource LeafHashes => _inner.LeafHashes;

    // Spooled records reach subscribers when they are replayed into the log, as every other record: once committed.
    public AuditFeed Feed => _inner.Feed;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _replayer.ConfigureAwait(false);

        // Whatever is still spooled stays on disk and is replayed at the next start.
        await _gate.WaitAsync().ConfigureAwait(false);
        _spool.Dispose();
        _gate.Release();
        await _inner.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Critical, Message = "Audit log cannot be written; because audit.onFailure is open, calls are still served and their records are spooled to {Path} until it can be. The store reported: {Reason}")]
    private static partial void LogSpooling(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Replayed {Count} spooled audit records into the log in order; {Path} removed. Records are written directly again.")]
    private static partial void LogReplayed(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Found audit spool {Path} with {Count} records from an earlier run; replaying it into the log")]
    private static partial void LogLeftOver(ILogger logger, string path, long count);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Replaying the audit spool paused: {Reason}. It resumes when the log can be written.")]
    private static partial void LogReplayPaused(ILogger logger, string reason);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Critical, Message = "Audit spool {Path} cannot be written either ({Reason}): calls are refused until the log or the spool can be written.")]
    private static partial void LogSpoolFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Error, Message = "An audit spool line could not be read ({Problem}); it was moved to {Path} for inspection.")]
    private static partial void LogRejected(ILogger logger, string path, string problem);
}
