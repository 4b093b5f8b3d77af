using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Secrets;

/// <summary>For Warden's redaction tests: puts whatever it is given everywhere an upstream can put text.</summary>
[McpServerToolType]
public sealed class SecretTools
{
    [McpServerTool(Name = "leak", ReadOnly = true)]
    [Description("Writes `text` to stderr line by line, then returns it as text content with `fields` as structured content; with fail=true answers a JSON-RPC error whose message is `text` instead.")]
    public static async Task<CallToolResult> Leak(
        [Description("Text to leak")] string text,
        [Description("Returned as structuredContent")] JsonElement? fields = null,
        [Description("Answer a JSON-RPC error carrying the text")] bool fail = false)
    {
        foreach (var line in text.Split('\n'))
        {
            await Console.Error.WriteLineAsync("leak: " + line);
        }

        await Console.Error.FlushAsync();
        return fail
            ? throw new McpProtocolException(text, McpErrorCode.InternalError)
            : new CallToolResult { Content = [new TextContentBlock { Text = text }], StructuredContent = fields };
    }
}
