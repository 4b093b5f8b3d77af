using System.Text.Json.Nodes;

namespace Warden.Tests.Interop;

/// <summary>What a finished node process printed and how it exited.</summary>
internal sealed record NodeResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout as one JSON value; fails with everything the process printed if it did not succeed.</summary>
    public JsonNode Json()
    {
        Assert.True(ExitCode == 0, $"node exited with {ExitCode}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        try
        {
            return JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout was JSON null");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidOperationException($"node's stdout is not JSON ({ex.Message}).\nstdout:\n{Stdout}\nstderr:\n{Stderr}", ex);
        }
    }
}
