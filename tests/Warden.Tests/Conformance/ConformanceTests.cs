using System.Diagnostics;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Conformance;

/// <summary>
/// The MCP conformance suites (0.1.16, and 0.2.0-alpha.12 for both 2026-07-28 and 2025-11-25), run against
/// the C# test server directly and then through Warden: every scenario that passes directly must pass through
/// Warden, both for an HTTP upstream (spoken to in its own revision) and for the same server over stdio
/// (a 2025 session that Warden bridges for 2026-07-28 clients).
/// </summary>
public sealed class ConformanceTests(ConformanceTests.DirectRun direct, ITestOutputHelper output) : IClassFixture<ConformanceTests.DirectRun>
{
    [Fact]
    public async Task Http_upstream_passes_every_scenario_it_passes_directly()
    {
        var (code, text) = await RunThroughWardenAsync("http", $$"""
            servers:
              test:
                url: {{direct.Server.Url}}
            """);

        output.WriteLine(text);
        Assert.True(code == 0, text);
        Assert.Contains("OK: every scenario that passed directly also passes through the gateway", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdio_upstream_bridged_to_2026_clients_passes_every_scenario_it_passes_directly()
    {
        var (code, text) = await RunThroughWardenAsync("stdio", $$"""
            servers:
              test:
                command: dotnet
                args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            """, Path.Combine(Scripts, "bridge.allowed-regressions"));

        output.WriteLine(text);
        Assert.True(code == 0, text);
        Assert.Contains("OK: every scenario that passed directly also passes through the gateway", text, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Text)> RunThroughWardenAsync(string label, string yaml, string? allowed = null)
    {
        await using var warden = await WardenHost.StartAsync(yaml);
        var results = Path.Combine(direct.Root, label);
        var run = await Shell.RunAsync(Path.Combine(Scripts, "run.sh"), [warden.BaseUrl + "/mcp/test"], new() { ["CONFORMANCE_OUT"] = results });
        string[] compareArgs = allowed is null ? [direct.Results, results] : [direct.Results, results, allowed];
        var compare = await Shell.RunAsync(Path.Combine(Scripts, "compare.sh"), compareArgs, []);
        return (compare.Code, $"--- run.sh through Warden ({label})\n{run.Text}\n--- compare.sh\n{compare.Text}");
    }

    private static string Scripts => Path.Combine(TestPaths.RepoRoot, "tests", "conformance");

    /// <summary>One direct run of the suites against the test server over HTTP, shared by the tests.</summary>
    public sealed class DirectRun : IAsyncLifetime
    {
        internal TestServerProcess Server { get; private set; } = null!;

        public string Root { get; } = Directory.CreateTempSubdirectory("warden-conformance-").FullName;

        public string Results => Path.Combine(Root, "direct");

        public async Task InitializeAsync()
        {
            var node = Path.Combine(TestPaths.RepoRoot, "tests", "tools", "node_modules", "node", "bin", "node");
            if (!File.Exists(node))
            {
                throw new InvalidOperationException($"{node} is missing: run ./scripts/test.sh, which installs the pinned npm test tools into tests/tools.");
            }

            Server = await TestServerProcess.StartHttpAsync();
            var run = await Shell.RunAsync(Path.Combine(Scripts, "run.sh"), [Server.Url], new()
            {
                ["CONFORMANCE_OUT"] = Results,
                ["CONFORMANCE_EXPECTED_FAILURES"] = Path.Combine(Scripts, "test-server.expected-failures"),
            });
            if (run.Code != 0)
            {
                throw new InvalidOperationException("The conformance suites fail against the test server directly:\n" + run.Text);
            }
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>Runs a script and collects its output, failing after a time limit.</summary>
internal static class Shell
{
    // A ceiling, not an expectation: a conformance run takes well under a minute on a quiet 2-core machine, and
    // several minutes when other builds share it.
    public static async Task<(int Code, string Text)> RunAsync(string file, IEnumerable<string> args, Dictionary<string, string> environment, int timeoutSeconds = 420)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(true);
            return (-1, $"{file} did not finish within {timeoutSeconds}s.\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
