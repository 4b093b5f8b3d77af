namespace Warden.LoadGen;

/// <summary>What one target did at one concurrency level in one round.</summary>
internal sealed record RunResult
{
    public required BenchTarget Target { get; init; }
    public required int Concurrency { get; init; }
    public required int Round { get; init; }
    public double CallsPerSecond { get; init; }
    public long Errors { get; init; }
    public LatencyStats Overall { get; init; }
    public IReadOnlyList<LatencyStats> ByCall { get; init; } = [];
    public string? FirstError { get; init; }

    /// <summary>Set when the run could not be measured at all (e.g. sessions could not be opened).</summary>
    public string? Failure { get; init; }

    public static RunResult Failed(BenchTarget target, int concurrency, int round, string failure) =>
        new() { Target = target, Concurrency = concurrency, Round = round, Failure = failure };
}
