using System.Globalization;
using System.Text;

namespace Warden.LoadGen;

/// <summary>Renders results as Markdown: one table per concurrency level, ratios against the first target.</summary>
internal static class ReportWriter
{
    public static string Render(LoadGenOptions options, MachineInfo machine, IReadOnlyList<RunResult> results)
    {
        var md = new StringBuilder();
        var baseline = options.Targets[0];
        Line(md, $"# MCP load test: {string.Join(" vs ", options.Targets.Select(t => t.Name))}");
        Line(md);
        Line(md, "```");
        Line(md, options.CommandLine);
        Line(md, "```");
        Line(md);
        Line(md, "| machine | |");
        Line(md, "|---|---|");
        Line(md, $"| date | {machine.Date:yyyy-MM-dd HH:mm:ss} UTC |");
        Line(md, $"| cores | {machine.Cores} ({machine.Cpu}) |");
        Line(md, $"| memory | {machine.Memory} |");
        Line(md, $"| OS | {machine.Os} |");
        Line(md, $"| .NET | {machine.Runtime}, {machine.Gc} GC |");
        Line(md);
        Line(md, $"Each target: {Seconds(options.Warmup)} warmup + {Seconds(options.Duration)} measured per concurrency level, " +
            $"{options.Rounds} round(s){(options.Rounds > 1 ? ", the median round by calls/s is shown" : "")}; " +
            $"one MCP session per virtual user (protocol {options.ProtocolVersion}); latency of successful calls only. " +
            $"Baseline: **{baseline.Name}**.");
        Line(md);
        var totalWeight = options.Mix.Calls.Sum(c => c.Weight);
        foreach (var call in options.Mix.Calls.Where(c => c.Weight > 0))
        {
            Line(md, $"- `{call.Name}` ({F(call.Weight * 100.0 / totalWeight, 0)}% of calls): tool `{call.Tool}` with `{call.ArgumentsDisplay}`");
        }

        foreach (var target in options.Targets)
        {
            Line(md, $"- {target.Name}: {target.Endpoint}");
        }

        foreach (var note in options.Notes)
        {
            Line(md, $"- {note}");
        }

        foreach (var level in options.ConcurrencyLevels)
        {
            RenderLevel(md, options, level, results.Where(r => r.Concurrency == level).ToList());
        }

        return md.ToString();
    }

    private static void RenderLevel(StringBuilder md, LoadGenOptions options, int level, List<RunResult> runs)
    {
        var chosen = options.Targets.Select(t => MedianRound(runs.Where(r => r.Target == t).ToList())).ToList();
        var baseline = chosen[0];
        var baselineOk = baseline.Failure is null && baseline.Overall.Count > 0;
        Line(md);
        Line(md, $"## Concurrency {level}");
        Line(md);
        Line(md, "| target | calls/s | p50 ms | p90 ms | p99 ms | errors | p50 vs baseline | calls/s vs baseline | added p50 ms |");
        Line(md, "|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in chosen)
        {
            if (r.Failure is not null)
            {
                Line(md, $"| {r.Target.Name} | failed | | | | | | | |");
                continue;
            }

            var ok = baselineOk && r.Overall.Count > 0;
            Line(md, $"| {r.Target.Name} | {F(r.CallsPerSecond, 1)} | {Ms(r.Overall, r.Overall.P50Ms)} | {Ms(r.Overall, r.Overall.P90Ms)} | {Ms(r.Overall, r.Overall.P99Ms)} | {r.Errors} | " +
                $"{(ok ? F(r.Overall.P50Ms / baseline.Overall.P50Ms, 2) + "×" : "n/a")} | " +
                $"{(ok ? F(r.CallsPerSecond / baseline.CallsPerSecond, 2) + "×" : "n/a")} | " +
                $"{(ok ? Signed(r.Overall.P50Ms - baseline.Overall.P50Ms) : "n/a")} |");
        }

        var calls = options.Mix.Calls.Select((c, i) => (Call: c, Index: i)).Where(c => c.Call.Weight > 0).ToList();
        if (calls.Count > 1 && chosen.Any(r => r.Failure is null))
        {
            Line(md);
            Line(md, "By call (p50 / p99 ms, calls measured):");
            Line(md);
            Line(md, "| target | " + string.Join(" | ", calls.Select(c => $"{c.Call.Name} ({c.Call.Tool})")) + " |");
            Line(md, "|---|" + string.Concat(calls.Select(_ => "--:|")));
            foreach (var r in chosen.Where(r => r.Failure is null))
            {
                Line(md, $"| {r.Target.Name} | " + string.Join(" | ", calls.Select(c =>
                {
                    var s = r.ByCall[c.Index];
                    return $"{Ms(s, s.P50Ms)} / {Ms(s, s.P99Ms)} ({s.Count})";
                })) + " |");
            }
        }

        if (options.Rounds > 1)
        {
            Line(md);
            Line(md, "All rounds (calls/s, p50 ms): " + string.Join("; ", options.Targets.Select(t =>
            {
                var measured = runs.Where(r => r.Target == t && r.Failure is null).Select(r => $"{F(r.CallsPerSecond, 1)}/{Ms(r.Overall, r.Overall.P50Ms)}").ToList();
                return $"{t.Name}: " + (measured.Count > 0 ? string.Join(", ", measured) : "failed");
            })));
        }

        var problems = runs.Where(r => r.Failure is not null || r.FirstError is not null).ToList();
        if (problems.Count > 0)
        {
            Line(md);
            foreach (var r in problems)
            {
                Line(md, $"- {r.Target.Name} round {r.Round}: {(r.Failure is not null ? "failed: " + r.Failure : $"{r.Errors} errors, first: {r.FirstError}")}");
            }
        }
    }

    /// <summary>The round with the median throughput; failed rounds count only if every round failed.</summary>
    private static RunResult MedianRound(List<RunResult> rounds)
    {
        var ok = rounds.Where(r => r.Failure is null).OrderBy(r => r.CallsPerSecond).ToList();
        return ok.Count > 0 ? ok[(ok.Count - 1) / 2] : rounds[0];
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>A latency, or a dash when no call succeeded (0.000 would read as infinitely fast).</summary>
    private static string Ms(LatencyStats stats, double value) => stats.Count > 0 ? F(value, 3) : "–";

    private static string Signed(double value) => (value >= 0 ? "+" : "") + F(value, 3);

    private static string Seconds(TimeSpan span) => F(span.TotalSeconds, span.TotalSeconds % 1 == 0 ? 0 : 3) + " s";

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
