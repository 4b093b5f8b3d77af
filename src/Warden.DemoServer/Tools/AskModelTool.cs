using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.DemoServer.Tools;

/// <summary>Asks the client's own model a question: a demonstration of MCP sampling.</summary>
[McpServerToolType]
public sealed class AskModelTool
{
    [McpServerTool(Name = "ask_model", Title = "Ask the client's model", ReadOnly = true, Destructive = false, OpenWorld = true)]
    [Description("Sends the prompt back to the connected client's language model (MCP sampling) and returns its answer. " +
        "Works only with clients that support sampling.")]
    public static async Task<CallToolResult> AskAsync(
        McpServer server,
        [Description("The question or instruction for the model")] string prompt,
        CancellationToken cancellationToken)
    {
        // Sampling is deprecated in the 2026-07-28 revision (SEP-2577) but is how 2025-era clients such as
        // Claude Code and the MCP Inspector offer their model; this tool exists to demonstrate it.
#pragma warning disable MCP9005
        if (server.ClientCapabilities?.Sampling is null)
        {
            return ToolResults.Error("This client does not support sampling, so the server cannot ask its model. Try a client with sampling enabled (e.g. the MCP Inspector).");
        }

        try
        {
            var result = await server.SampleAsync(
                new CreateMessageRequestParams
                {
                    Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                    MaxTokens = 1000,
                },
                cancellationToken);
            var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
            return ToolResults.Text(text.Length > 0 ? text : $"(the model answered without text; model: {result.Model})");
        }
        catch (McpException ex)
        {
            return ToolResults.Error($"The client refused or failed the sampling request: {ex.Message}");
        }
#pragma warning restore MCP9005
    }
}
