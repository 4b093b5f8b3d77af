using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>The conformance suite's content-shape tools (tools-call-* scenarios).</summary>
[McpServerToolType]
public sealed class ContentTools
{
    [McpServerTool(Name = "test_simple_text", ReadOnly = true), Description("Returns a fixed text block.")]
    public static string SimpleText() => "This is a simple text response for testing.";

    [McpServerTool(Name = "test_image_content", ReadOnly = true), Description("Returns a 1x1 PNG image block.")]
    public static ImageContentBlock ImageContent() => ImageContentBlock.FromBytes(ConformanceData.Png, "image/png");

    [McpServerTool(Name = "test_audio_content", ReadOnly = true), Description("Returns a minimal WAV audio block.")]
    public static AudioContentBlock AudioContent() => AudioContentBlock.FromBytes(ConformanceData.Wav, "audio/wav");

    [McpServerTool(Name = "test_embedded_resource", ReadOnly = true), Description("Returns an embedded text resource.")]
    public static EmbeddedResourceBlock EmbeddedResource() => new()
    {
        Resource = new TextResourceContents
        {
            Uri = "test://embedded-resource",
            MimeType = "text/plain",
            Text = "This is an embedded resource content.",
        },
    };

    [McpServerTool(Name = "test_multiple_content_types", ReadOnly = true)]
    [Description("Returns text, image and embedded-resource blocks in one result.")]
    public static IEnumerable<ContentBlock> MultipleContentTypes() =>
    [
        new TextContentBlock { Text = "Multiple content types test:" },
        ImageContentBlock.FromBytes(ConformanceData.Png, "image/png"),
        new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents
            {
                Uri = "test://mixed-content-resource",
                MimeType = "application/json",
                Text = """{"test":"data","value":123}""",
            },
        },
    ];

    [McpServerTool(Name = "test_error_handling", ReadOnly = true), Description("Always fails with a tool error (isError: true).")]
    public static CallToolResult ErrorHandling() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "This tool intentionally returns an error for testing" }],
    };

    [McpServerTool(Name = "test_reconnection", ReadOnly = true)]
    [Description("Closes the SSE response stream after running so the client must resume with Last-Event-ID.")]
    public static string Reconnection() => "Reconnection test completed successfully";

    [McpServerTool(Name = "test_header_tool", ReadOnly = true)]
    [Description("Echoes a parameter that clients mirror into the Mcp-Param-Region header (SEP-2243).")]
    public static string HeaderTool(
        [McpHeader("Region"), Description("The deployment region")] string region,
        [Description("The query to execute")] string query) => $"Executed in region {region}: {query}";
}
