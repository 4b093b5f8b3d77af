using System.Diagnostics;

namespace Warden.Tests.Infrastructure;

/// <summary>Runs the built `warden` CLI as a child process and captures what it printed.</summary>
internal static class WardenCli
{
    public static Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    /// <summary>Runs the CLI with <paramref name="input"/> on its standard input (closed after it).</summary>
    public static async Task<CliResult> RunWithInputAsync(string? input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(TestPaths.WardenCliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The data directory must come from the arguments, never from the environment the tests run in.
        start.Environment.Remove("WARDEN_HOME");
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(true);
            throw new TimeoutException($"warden {string.Join(' ', args)} did not exit within 120 s.");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A finished CLI run.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
