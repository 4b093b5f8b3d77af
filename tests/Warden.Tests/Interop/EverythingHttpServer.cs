using System.Diagnostics;

namespace Warden.Tests.Interop;

/// <summary>
/// server-everything running its Streamable HTTP transport in a child process, bound to 127.0.0.1 on a
/// port the OS picked (tests/interop/loopback-listen.mjs makes it bind loopback and report the port).
/// </summary>
internal sealed class EverythingHttpServer : IAsyncDisposable
{
    private readonly Process _process;

    private EverythingHttpServer(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp.</summary>
    public string Url { get; }

    public static async Task<EverythingHttpServer> StartAsync()
    {
        var preload = new Uri(NodeTools.Script("loopback-listen.mjs")).AbsoluteUri;
        var start = NodeProcess.Start(NodeTools.EverythingServer, ["streamableHttp"], nodeArgs: ["--import", preload]);
        start.Environment["PORT"] = "0";
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        _ = DrainAsync(process.StandardOutput);
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.Add(line);
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    _ = DrainAsync(process.StandardError);
                    return new EverythingHttpServer(process, line["LISTENING ".Length..].Trim() + "/mcp");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        NodeProcess.Kill(process);
        process.Dispose();
        throw new InvalidOperationException($"server-everything (streamableHttp) did not report LISTENING. stderr:\n{string.Join('\n', seen)}");
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        NodeProcess.Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
