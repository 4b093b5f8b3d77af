namespace Warden.LoadGen;

/// <summary>
/// Measures every target at every concurrency level, interleaved (level → round → target) so that all
/// targets see the same machine conditions and ratios compare runs made minutes apart at most.
/// </summary>
internal sealed class BenchmarkRunner(LoadGenOptions options, TextWriter progress)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs everything; results are grouped by concurrency level, each list in target order with all rounds.</summary>
    public async Task<IReadOnlyList<RunResult>> RunAsync(CancellationToken cancellationToken)
    {
        var broken = await PreflightAsync(cancellationToken);
        var results = new List<RunResult>();
        var targets = options.Targets;
        foreach (var level in options.ConcurrencyLevels)
        {
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Rotating the order each round keeps a fixed position (first after idle, last after a
                // busy peer) from favouring one target when rounds > 1.
                for (var i = 0; i < targets.Count; i++)
                {
                    var target = targets[(i + round - 1) % targets.Count];
                    var result = broken.TryGetValue(target.Name, out var why)
                        ? RunResult.Failed(target, level, round, why)
                        : await RunOneAsync(target, level, round, cancellationToken);
                    results.Add(result);
                    await progress.WriteLineAsync(Describe(result));
                }
            }
        }

        return results;
    }

    /// <summary>Problems a preflight survived only by retrying; the report lists them.</summary>
    public List<string> PreflightWarnings { get; } = [];

    /// <summary>
    /// Opens a session per target and makes each call of the mix once, so a wrong tool name fails in seconds.
    /// A failure gets one retry on a fresh session (a proxy may connect its upstream lazily); when the retry
    /// succeeds the target is measured and the first failure is reported as a warning.
    /// </summary>
    private async Task<Dictionary<string, string>> PreflightAsync(CancellationToken cancellationToken)
    {
        var broken = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var target in options.Targets)
        {
            var first = await PreflightOnceAsync(target, cancellationToken);
            if (first is not null && await PreflightOnceAsync(target, cancellationToken) is { } second)
            {
                broken[target.Name] = second;
                await progress.WriteLineAsync($"preflight {target.Name}: FAILED, {second}");
            }
            else if (first is not null)
            {
                PreflightWarnings.Add($"preflight warning, {target.Name}: the first attempt failed, a retry on a new session passed; first error: {first}");
                await progress.WriteLineAsync($"preflight {target.Name}: ok on retry (first attempt: {first})");
            }
            else
            {
                await progress.WriteLineAsync($"preflight {target.Name}: ok ({target.Endpoint})");
            }
        }

        return broken;
    }

    /// <summary>Returns why the target cannot be measured, or null when every call of the mix succeeded.</summary>
    private async Task<string?> PreflightOnceAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await using var user = await VirtualUser.ConnectAsync(target, options, 0, timeout.Token);
            foreach (var call in options.Mix.Calls.Where(c => c.Weight > 0))
            {
                if (await user.TryCallAsync(call, timeout.Token) is { } error)
                {
                    return $"preflight call '{call.Name}' (tool '{call.Tool}') failed: {error}";
                }
            }

            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return $"cannot open an MCP session at {target.Endpoint}: {ErrorText.Of(ex)}";
        }
    }

    private async Task<RunResult> RunOneAsync(BenchTarget target, int concurrency, int round, CancellationToken cancellationToken)
    {
        var users = new VirtualUser?[concurrency];
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(ConnectTimeout);
                try
                {
                    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
                        users[i] = await VirtualUser.ConnectAsync(target, options, i, connect.Token)));
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    return RunResult.Failed(target, concurrency, round, $"could not open {concurrency} sessions: {ErrorText.Of(ex)}");
                }
            }

            var samples = Enumerable.Range(0, concurrency).Select(_ => new LatencySamples(options.Mix.Calls.Count)).ToArray();
            var window = RunWindow.StartingNow(options.Warmup, options.Duration);

            // The hard stop: no call may outlive the window by more than the call timeout.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.Warmup + options.Duration + options.CallTimeout);
            await Task.WhenAll(users.Select((user, i) => Task.Run(
                () => user!.RunAsync(options.Mix, window, new Random(options.Seed + i), samples[i], deadline.Token),
                CancellationToken.None)));
            cancellationToken.ThrowIfCancellationRequested();

            var byCall = Enumerable.Range(0, options.Mix.Calls.Count)
                .Select(c => LatencyStats.From(samples.Select(s => s.TicksFor(c))))
                .ToArray();
            var overall = LatencyStats.From(samples.SelectMany(s => Enumerable.Range(0, options.Mix.Calls.Count).Select(s.TicksFor)));
            return new RunResult
            {
                Target = target,
                Concurrency = concurrency,
                Round = round,
                CallsPerSecond = overall.Count / options.Duration.TotalSeconds,
                Errors = samples.Sum(s => s.Errors),
                Overall = overall,
                ByCall = byCall,
                FirstError = samples.Select(s => s.FirstError).FirstOrDefault(e => e is not null),
            };
        }
        finally
        {
            await Task.WhenAll(users.Where(u => u is not null).Select(u => DisposeQuietlyAsync(u!)));

            // Leave the next target a clean heap rather than this run's garbage.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    private static async Task DisposeQuietlyAsync(VirtualUser user)
    {
        try
        {
            await user.DisposeAsync().AsTask().WaitAsync(DisposeTimeout);
        }
        catch (Exception)
        {
            // Ending a session is best effort; a target that is already gone must not fail the report.
        }
    }

    private string Describe(RunResult r) => r.Failure is not null
        ? $"c={r.Concurrency} round {r.Round}/{options.Rounds} {r.Target.Name}: FAILED, {r.Failure}"
        : $"c={r.Concurrency} round {r.Round}/{options.Rounds} {r.Target.Name}: {r.CallsPerSecond:F1} calls/s, p50 {r.Overall.P50Ms:F3} ms, p99 {r.Overall.P99Ms:F3} ms, errors {r.Errors}";
}
