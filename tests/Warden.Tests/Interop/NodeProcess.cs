using System.Diagnostics;
using System.Text;

namespace Warden.Tests.Interop;

/// <summary>Runs the pinned node on a script and collects its output, killing the whole tree on timeout.</summary>
internal static class NodeProcess
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static Task<NodeResult> RunAsync(string script, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null) =>
        RunAsync(Start(script, args, workingDirectory), timeout ?? DefaultTimeout);

    /// <summary>Builds the start info for <c>node [nodeArgs] script args</c>; the pinned node's folder leads PATH so scripts that spawn "node" get it too.</summary>
    public static ProcessStartInfo Start(string script, IEnumerable<string> args, string? workingDirectory = null, IEnumerable<string>? nodeArgs = null)
    {
        var node = NodeTools.Node;
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(script)!,
        };
        foreach (var arg in (nodeArgs ?? []).Append(script).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = Path.GetDirectoryName(node) + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["NO_COLOR"] = "1";
        return start;
    }

    private static async Task<NodeResult> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync();
            throw new TimeoutException(
                $"node {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds}s; killed.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new NodeResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Kills a process and everything it started (the inspector's launcher spawns a second node).</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }
}
