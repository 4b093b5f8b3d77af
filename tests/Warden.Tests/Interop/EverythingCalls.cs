namespace Warden.Tests.Interop;

/// <summary>The server-everything tool calls each equivalence test makes: text, numbers, images, annotations, structured content, resource links and embedded resources, and an unknown tool.</summary>
internal static class EverythingCalls
{
    public static IReadOnlyList<ToolCall> All { get; } =
    [
        new("echo", new() { ["message"] = "hello through warden ✓" }),
        new("get-sum", new() { ["a"] = 17, ["b"] = 25.5 }),
        new("get-tiny-image", []),
        new("get-annotated-message", new() { ["messageType"] = "error", ["includeImage"] = true }),
        new("get-structured-content", new() { ["location"] = "Chicago" }),
        new("get-resource-links", new() { ["count"] = 4 }),
        new("get-resource-reference", new() { ["resourceType"] = "Text", ["resourceId"] = 2 }),
        new("no-such-tool", []),
    ];
}
