using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// Change notifications from an upstream that speaks only the stateless 2026-07-28 revision, reaching 2025
/// sessions: Warden holds a subscriptions/listen stream to the upstream for each session (opened with the
/// client's GET stream, re-opened when its resource subscriptions change) and relays what arrives on it as
/// plain 2025 notifications.
/// </summary>
public sealed class ReverseListenTests : StatelessOnlyUpstream
{
    private const string WatchedUri = "test://watched-resource";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ToolsChangedOnStatelessUpstream_SessionWithGetStream_GetsListChanged()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        await using var client = await warden.ConnectAsync("/mcp/modern");
        var changed = Watch(client, NotificationMethods.ToolListChangedNotification);

        // Warden opens the upstream listen stream when the client's GET stream arrives, which the SDK client
        // does on its own after initialize; a change made before the upstream acknowledged it has nowhere to
        // go, so the tool is toggled until a notification comes through.
        var notification = await ToggleUntilAsync(client, changed);

        Assert.Equal(NotificationMethods.ToolListChangedNotification, notification.Method);
    }

    [Fact]
    public async Task SubscribedResourceUpdated_SessionClient_GetsUpdatedUntilItUnsubscribes()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        await using var client = await warden.ConnectAsync("/mcp/modern");
        var updated = Watch(client, NotificationMethods.ResourceUpdatedNotification);
        var changed = Watch(client, NotificationMethods.ToolListChangedNotification);

        // The subscribe answer comes once the upstream acknowledged the listen stream naming the resource.
        await client.SubscribeToResourceAsync(WatchedUri);
        Assert.Contains("notified 1 subscriber(s)", await CallTextAsync(client, "update_resource", WatchedUri));
        var first = await NextAsync(updated);
        Assert.Equal(WatchedUri, first.Params!["uri"]!.GetValue<string>());

        await client.UnsubscribeFromResourceAsync(WatchedUri);
        await CallTextAsync(client, "update_resource", WatchedUri);

        // The stream that replaced the subscribed one still carries list changes; once one has come through
        // (and a round trip after it), an update relayed before it would have been seen.
        await ToggleUntilAsync(client, changed);
        await client.PingAsync();
        Assert.False(updated.TryRead(out var late), $"resources/updated reached the client after it unsubscribed: {late?.Params}");
    }

    [Fact]
    public async Task ListenStreamOfStatelessUpstream_SessionClient_NeverSeesAcknowledgementOrSubscriptionId()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        await using var client = await warden.ConnectAsync("/mcp/modern");
        var acknowledged = Watch(client, "notifications/subscriptions/acknowledged");
        var updated = Watch(client, NotificationMethods.ResourceUpdatedNotification);
        var changed = Watch(client, NotificationMethods.ToolListChangedNotification);

        // Each subscribe re-opens the upstream stream, so the upstream acknowledges several times.
        await client.SubscribeToResourceAsync(WatchedUri);
        await client.SubscribeToResourceAsync("test://static-text");
        await CallTextAsync(client, "update_resource", WatchedUri);
        var update = await NextAsync(updated);
        var change = await ToggleUntilAsync(client, changed);
        await client.PingAsync();

        Assert.Null(update.Params?["_meta"]?["io.modelcontextprotocol/subscriptionId"]);
        Assert.Null(change.Params?["_meta"]?["io.modelcontextprotocol/subscriptionId"]);
        Assert.False(acknowledged.TryRead(out var ack), $"The upstream's acknowledgement reached a 2025 client: {ack?.Params}");
    }

    private static ChannelReader<JsonRpcNotification> Watch(McpClient client, string method)
    {
        var channel = Channel.CreateUnbounded<JsonRpcNotification>();
        client.RegisterNotificationHandler(method, (notification, _) =>
        {
            channel.Writer.TryWrite(notification);
            return ValueTask.CompletedTask;
        });
        return channel.Reader;
    }

    private static async Task<JsonRpcNotification> NextAsync(ChannelReader<JsonRpcNotification> reader)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await reader.ReadAsync(timeout.Token);
    }

    private static async Task<JsonRpcNotification> ToggleUntilAsync(McpClient client, ChannelReader<JsonRpcNotification> changed)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            await CallTextAsync(client, "notify_tools_changed");
            using var round = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            round.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                return await changed.ReadAsync(round.Token);
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
            }
        }
    }

    private static async Task<string> CallTextAsync(McpClient client, string tool, string? uri = null)
    {
        var arguments = uri is null ? null : new Dictionary<string, object?> { ["uri"] = uri };
        var result = await client.CallToolAsync(tool, arguments);
        Assert.NotEqual(true, result.IsError);
        return Assert.IsType<TextContentBlock>(result.Content[0]).Text;
    }
}
