using ModelContextProtocol.Protocol;

namespace Warden.DemoServer.Tools;

/// <summary>Small constructors for tool results.</summary>
internal static class ToolResults
{
    public static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    /// <summary>A tool-level failure (isError: true) the model can read and correct, not a protocol error.</summary>
    public static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
}
