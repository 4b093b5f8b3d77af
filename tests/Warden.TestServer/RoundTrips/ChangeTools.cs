using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.TestServer.Conformance;

namespace Warden.TestServer.RoundTrips;

/// <summary>Tools that change server state and so make it send notifications to clients.</summary>
[McpServerToolType]
public sealed class ChangeTools
{
    [McpServerTool(Name = "notify_tools_changed")]
    [Description("Adds tool 'dynamic_tool', or removes it if present, and every connected session gets " +
        "notifications/tools/list_changed. The change is process-wide for session-based clients (stdio, stateful HTTP); " +
        "stateless 2026-07-28 HTTP requests always see the original list, but open subscriptions/listen streams that " +
        "opted in to toolsListChanged get the notification.")]
    public static async Task<string> NotifyToolsChanged(McpServer server, ListenStreams listens, CancellationToken cancellationToken)
    {
        var added = DynamicPrimitives.ToggleTool(server, "dynamic_tool");
        await listens.ListChangedAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
        return added ? "added dynamic_tool" : "removed dynamic_tool";
    }

    [McpServerTool(Name = "update_resource")]
    [Description("Marks a resource as changed and sends notifications/resources/updated to its subscribers.")]
    public static async Task<string> UpdateResource(
        ResourceSubscriptions subscriptions,
        [Description("Resource URI, e.g. test://watched-resource")] string uri,
        CancellationToken cancellationToken) =>
        $"notified {await subscriptions.UpdateAsync(uri, cancellationToken)} subscriber(s) of {uri}";

    [McpServerTool(Name = "test_trigger_tool_change")]
    [Description("Conformance hook: toggles tool 'test_dynamic_tool' so the tool list changes.")]
    public static async Task<string> TriggerToolChange(McpServer server, ListenStreams listens, CancellationToken cancellationToken)
    {
        var added = DynamicPrimitives.ToggleTool(server, "test_dynamic_tool");
        await listens.ListChangedAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
        return added ? "added test_dynamic_tool" : "removed test_dynamic_tool";
    }

    [McpServerTool(Name = "test_trigger_prompt_change")]
    [Description("Conformance hook: toggles prompt 'test_dynamic_prompt' so the prompt list changes.")]
    public static async Task<string> TriggerPromptChange(McpServer server, ListenStreams listens, CancellationToken cancellationToken)
    {
        var added = DynamicPrimitives.TogglePrompt(server, "test_dynamic_prompt");
        await listens.ListChangedAsync(NotificationMethods.PromptListChangedNotification, cancellationToken);
        return added ? "added test_dynamic_prompt" : "removed test_dynamic_prompt";
    }
}
