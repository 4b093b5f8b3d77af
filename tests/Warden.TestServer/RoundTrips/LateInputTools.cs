using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.RoundTrips;

/// <summary>
/// Two tools that make a 2025 server's second server-to-client request arrive at the moment a gateway is
/// likeliest to give it to the wrong call: after the client's next call has been sent. A file is the gate, so
/// the two calls may run in the same server process or in two (a gateway may give them different sessions).
/// </summary>
[McpServerToolType]
public sealed class LateInputTools
{
    [McpServerTool(Name = "ask_twice_late", ReadOnly = true)]
    [Description("Asks for a name (elicitation) at once; asks for the roots only once the file 'gate' exists, then writes '<gate>.sent'.")]
    public static async Task<string> AskTwiceLate(
        McpServer server,
        [Description("Path of a file that another call creates")] string gate,
        CancellationToken cancellationToken)
    {
        var name = server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = "Late input: what is your name?",
                RequestedSchema = new ElicitRequestParams.RequestSchema { Properties = { ["name"] = new ElicitRequestParams.StringSchema() } },
            },
            cancellationToken).AsTask();
        await WaitForFileAsync(gate, cancellationToken);
        var roots = server.RequestRootsAsync(new ListRootsRequestParams(), cancellationToken).AsTask();
        await File.WriteAllTextAsync(gate + ".sent", "sent", cancellationToken);
        var answer = await name;
        var listed = await roots;
        return $"late-input: name={Field(answer, "name")}, roots={listed.Roots.Count}";
    }

    [McpServerTool(Name = "open_late_gate", ReadOnly = true)]
    [Description("Creates the file 'gate', waits until ask_twice_late has asked for the roots, then asks a question of its own (elicitation).")]
    public static async Task<string> OpenLateGate(
        McpServer server,
        [Description("Path of the file ask_twice_late waits for")] string gate,
        CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(gate, "open", cancellationToken);
        await WaitForFileAsync(gate + ".sent", cancellationToken);
        var answer = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = "Gate: what is your colour?",
                RequestedSchema = new ElicitRequestParams.RequestSchema { Properties = { ["colour"] = new ElicitRequestParams.StringSchema() } },
            },
            cancellationToken);
        return $"gate: colour={Field(answer, "colour")}";
    }

    private static string Field(ElicitResult answer, string name) =>
        answer.Content is { } content && content.TryGetValue(name, out var value) ? value.ToString() : "(none)";

    // The other call may run in another process, so no in-process signal reaches it; the file system does.
    private static async Task WaitForFileAsync(string path, CancellationToken cancellationToken)
    {
        while (!File.Exists(path))
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
