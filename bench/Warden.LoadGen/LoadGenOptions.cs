namespace Warden.LoadGen;

/// <summary>Validated settings of one load-generator run.</summary>
internal sealed record LoadGenOptions
{
    public required IReadOnlyList<BenchTarget> Targets { get; init; }
    public required IReadOnlyList<int> ConcurrencyLevels { get; init; }
    public required TimeSpan Duration { get; init; }
    public required TimeSpan Warmup { get; init; }
    public required int Rounds { get; init; }
    public required CallMix Mix { get; init; }
    public required string ProtocolVersion { get; init; }
    public required TimeSpan CallTimeout { get; init; }
    public required bool StandaloneGetStream { get; init; }
    public required int Seed { get; init; }
    public string? OutPath { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The exact command line, shell-quoted, recorded in the report.</summary>
    public required string CommandLine { get; init; }
}
