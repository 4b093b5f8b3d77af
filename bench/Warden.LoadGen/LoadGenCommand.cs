using System.CommandLine;

namespace Warden.LoadGen;

/// <summary>The <c>warden-loadgen</c> command line: options, validation, run, report.</summary>
internal static class LoadGenCommand
{
    public static RootCommand Create(string[] rawArgs)
    {
        var targets = new Option<string[]>("--target", "-t")
        {
            Description = "NAME=URL of an MCP Streamable HTTP endpoint on loopback; repeat it. The first one is the baseline.",
            Required = true,
        };
        var concurrency = new Option<string>("--concurrency", "-c") { Description = "Comma-separated virtual-user counts.", DefaultValueFactory = _ => "1,16" };
        var duration = new Option<string>("--duration", "-d") { Description = "Measured time per target per level (10s, 500ms, 1m).", DefaultValueFactory = _ => "10s" };
        var warmup = new Option<string>("--warmup", "-w") { Description = "Unmeasured calls before each measurement.", DefaultValueFactory = _ => "2s" };
        var rounds = new Option<int>("--rounds", "-r") { Description = "Rounds per level; the median round (by calls/s) is reported.", DefaultValueFactory = _ => 1 };
        var mix = new Option<string>("--mix", "-m") { Description = "Share of each call kind, e.g. small=80,large=20.", DefaultValueFactory = _ => "small=80,large=20" };
        var smallTool = new Option<string>("--small-tool") { Description = "Tool called for 'small'.", DefaultValueFactory = _ => "echo" };
        var smallArgs = new Option<string>("--small-args") { Description = "JSON object (or @file) of arguments for 'small'.", DefaultValueFactory = _ => """{"message":"hi"}""" };
        var largeTool = new Option<string>("--large-tool") { Description = "Tool called for 'large' (about 100 KB back).", DefaultValueFactory = _ => "big_result" };
        var largeArgs = new Option<string>("--large-args") { Description = "JSON object (or @file) of arguments for 'large'.", DefaultValueFactory = _ => """{"bytes":102400}""" };
        var protocol = new Option<string>("--protocol-version") { Description = "MCP revision to request (a session-capable one).", DefaultValueFactory = _ => "2025-11-25" };
        var callTimeout = new Option<string>("--call-timeout") { Description = "How long a call may outlive the window before it is abandoned.", DefaultValueFactory = _ => "30s" };
        var standaloneGet = new Option<bool>("--standalone-get") { Description = "Also open the standalone GET SSE stream of each session." };
        var seed = new Option<int>("--seed") { Description = "Seed of the per-user call-mix randomness.", DefaultValueFactory = _ => 42 };
        var output = new Option<string?>("--out", "-o") { Description = "Write the Markdown report to this file too." };
        var notes = new Option<string[]>("--note") { Description = "Free text for the report (versions, flags); repeat it." };

        var root = new RootCommand("End-to-end load generator for MCP Streamable HTTP endpoints (loopback only).")
        {
            targets, concurrency, duration, warmup, rounds, mix, smallTool, smallArgs, largeTool, largeArgs,
            protocol, callTimeout, standaloneGet, seed, output, notes,
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var parsedTargets = parse.GetValue(targets)!.Select(t => OptionParsers.Target(t, errors)).OfType<BenchTarget>().ToList();
            foreach (var dup in parsedTargets.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                errors.Add($"--target: the name '{dup.Key}' is used twice; names label the rows and must be unique");
            }

            var (smallArguments, smallDisplay) = OptionParsers.ToolArguments("--small-args", parse.GetValue(smallArgs)!, errors);
            var (largeArguments, largeDisplay) = OptionParsers.ToolArguments("--large-args", parse.GetValue(largeArgs)!, errors);
            var weights = OptionParsers.Mix(parse.GetValue(mix)!, ["small", "large"], errors);
            var levels = OptionParsers.Concurrency(parse.GetValue(concurrency)!, errors);
            var measured = OptionParsers.Duration("--duration", parse.GetValue(duration)!, errors);
            var warm = OptionParsers.Duration("--warmup", parse.GetValue(warmup)!, errors);
            var straggle = OptionParsers.Duration("--call-timeout", parse.GetValue(callTimeout)!, errors);
            if (measured <= TimeSpan.Zero)
            {
                errors.Add("--duration must be greater than zero");
            }

            if (parse.GetValue(rounds) is < 1 or > 100)
            {
                errors.Add("--rounds must be between 1 and 100");
            }

            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync("error: " + error);
                }

                return 1;
            }

            var options = new LoadGenOptions
            {
                Targets = parsedTargets,
                ConcurrencyLevels = levels,
                Duration = measured,
                Warmup = warm,
                Rounds = parse.GetValue(rounds),
                Mix = new CallMix(
                [
                    new CallSpec("small", parse.GetValue(smallTool)!, smallArguments, smallDisplay, weights.GetValueOrDefault("small")),
                    new CallSpec("large", parse.GetValue(largeTool)!, largeArguments, largeDisplay, weights.GetValueOrDefault("large")),
                ]),
                ProtocolVersion = parse.GetValue(protocol)!,
                CallTimeout = straggle,
                StandaloneGetStream = parse.GetValue(standaloneGet),
                Seed = parse.GetValue(seed),
                OutPath = parse.GetValue(output),
                Notes = parse.GetValue(notes) ?? [],
                CommandLine = "warden-loadgen " + OptionParsers.ShellQuote(rawArgs),
            };
            return await RunAsync(options, cancellationToken);
        });
        return root;
    }

    private static async Task<int> RunAsync(LoadGenOptions options, CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Current();
        var runner = new BenchmarkRunner(options, Console.Error);
        var results = await runner.RunAsync(cancellationToken);
        var report = ReportWriter.Render(options with { Notes = [.. options.Notes, .. runner.PreflightWarnings] }, machine, results);
        await Console.Out.WriteAsync(report);
        if (options.OutPath is { } path)
        {
            await File.WriteAllTextAsync(path, report, cancellationToken);
            await Console.Error.WriteLineAsync($"report written to {path}");
        }

        // Non-zero when a target could not be measured, so scripts notice; call errors are in the report.
        return results.Any(r => r.Failure is not null) ? 2 : 0;
    }
}
