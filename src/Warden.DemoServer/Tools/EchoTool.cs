using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Warden.DemoServer.Tools;

/// <summary>The simplest possible tool: handy to check a client-to-server path end to end.</summary>
[McpServerToolType]
public sealed class EchoTool
{
    [McpServerTool(Name = "echo", Title = "Echo", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Returns the message unchanged. Useful to check that a connection through Warden works.")]
    public static string Echo([Description("Text to send back")] string message) => message;
}
