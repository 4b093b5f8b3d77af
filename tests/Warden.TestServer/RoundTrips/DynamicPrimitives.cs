using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.RoundTrips;

/// <summary>
/// Adds or removes a tool or prompt at run time. The SDK shares one McpServerOptions (and so one
/// collection) between stdio and every stateful HTTP session, and sends notifications/*/list_changed to
/// each of them on a change; stateless requests get fresh options built from DI, so they never see it
/// (StreamableHttpHandler.CreateSessionAsync), and the tools tell stateless listen streams themselves
/// (<see cref="Conformance.ListenStreams"/>).
/// </summary>
internal static class DynamicPrimitives
{
    private static readonly Lock Gate = new();

    /// <summary>Toggles tool <paramref name="name"/>; returns true if it now exists.</summary>
    public static bool ToggleTool(McpServer server, string name)
    {
        var tools = server.ServerOptions.ToolCollection
            ?? throw new InvalidOperationException("The server was built without a tool collection; register at least one tool.");
        lock (Gate)
        {
            if (tools.TryGetPrimitive(name, out var existing))
            {
                tools.Remove(existing);
                return false;
            }

            tools.Add(McpServerTool.Create(
                () => $"{name} is here because a list-change trigger added it",
                new McpServerToolCreateOptions { Name = name, Description = "A tool that comes and goes (list_changed tests).", ReadOnly = true }));
            return true;
        }
    }

    /// <summary>Toggles prompt <paramref name="name"/>; returns true if it now exists.</summary>
    public static bool TogglePrompt(McpServer server, string name)
    {
        var prompts = server.ServerOptions.PromptCollection
            ?? throw new InvalidOperationException("The server was built without a prompt collection; register at least one prompt.");
        lock (Gate)
        {
            if (prompts.TryGetPrimitive(name, out var existing))
            {
                prompts.Remove(existing);
                return false;
            }

            prompts.Add(McpServerPrompt.Create(
                () => new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"{name} was added at run time." } },
                new McpServerPromptCreateOptions { Name = name, Description = "A prompt that comes and goes (list_changed tests)." }));
            return true;
        }
    }
}
