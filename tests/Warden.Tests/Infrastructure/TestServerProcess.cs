using System.Diagnostics;

namespace Warden.Tests.Infrastructure;

/// <summary>The test upstream running as a Streamable HTTP server in a child process.</summary>
internal sealed class TestServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private TestServerProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp.</summary>
    public string Url { get; }

    /// <summary>The legacy HTTP+SSE endpoint (served only when started with <c>--sse</c>).</summary>
    public string SseUrl => Url + "/sse";

    /// <summary>Starts the server over HTTP; <paramref name="extraArgs"/> are test-server flags such as <c>--sse</c>.</summary>
    public static async Task<TestServerProcess> StartHttpAsync(params string[] extraArgs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args = [TestPaths.TestServerDll, "--http", "--urls", "http://127.0.0.1:0", .. extraArgs];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                var baseUrl = line["LISTENING ".Length..].Trim().TrimEnd('/');
                _ = DrainAsync(process);
                return new TestServerProcess(process, baseUrl + "/mcp");
            }
        }

        process.Kill(true);
        throw new InvalidOperationException("The test server exited before printing LISTENING.");
    }

    private static async Task DrainAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is not null)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
