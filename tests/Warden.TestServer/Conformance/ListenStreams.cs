using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>
/// The subscriptions/listen streams open on a stateless HTTP server. SDK 2.3.1's own listen handler grants
/// nothing without a session (McpServerImpl.ConfigureSubscriptions acknowledges and completes at once), so in
/// that mode the test server owns the stream: it acknowledges what was asked, holds the POST open, and the
/// change tools publish list_changed and resources/updated here, each tagged with the listen request's id.
/// Empty in every other mode, where sessions carry those notifications.
/// </summary>
public sealed class ListenStreams
{
    private readonly ConcurrentDictionary<Listener, byte> _open = new();

    /// <summary>The subscriptions/listen handler (registered for <c>--session-mode stateless</c> only).</summary>
    public async ValueTask<EmptyResult> ListenAsync(RequestContext<SubscriptionsListenRequestParams> request, CancellationToken cancellationToken)
    {
        var asked = request.Params?.Notifications ?? new SubscriptionsListenNotifications();
        var granted = new SubscriptionsListenNotifications
        {
            ToolsListChanged = asked.ToolsListChanged == true ? true : null,
            PromptsListChanged = asked.PromptsListChanged == true ? true : null,
            ResourcesListChanged = asked.ResourcesListChanged == true ? true : null,
            ResourceSubscriptions = asked.ResourceSubscriptions is { Count: > 0 } uris ? [.. uris] : null,
        };
        var listener = new Listener(request.Server, request.JsonRpcRequest.Id, granted);
        var ack = JsonSerializer.SerializeToNode(new SubscriptionsAcknowledgedNotificationParams { Notifications = granted }, McpJsonUtilities.DefaultOptions);

        // Registered before the acknowledgement is written, under the listener's gate, so nothing published
        // meanwhile is lost and nothing overtakes the acknowledgement.
        await listener.Gate.WaitAsync(cancellationToken);
        try
        {
            _open[listener] = 0;
            await listener.SendUnlockedAsync(NotificationMethods.SubscriptionsAcknowledgedNotification, ack, cancellationToken);
        }
        finally
        {
            listener.Gate.Release();
        }

        try
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var registration = cancellationToken.Register(() => closed.TrySetResult());
            await closed.Task;
        }
        finally
        {
            _open.TryRemove(listener, out _);
        }

        return new EmptyResult();
    }

    /// <summary>Sends a list_changed notification to every stream that opted in to it; returns how many.</summary>
    public Task<int> ListChangedAsync(string method, CancellationToken cancellationToken) =>
        PublishAsync(method, null, l => method switch
        {
            NotificationMethods.ToolListChangedNotification => l.ToolsListChanged == true,
            NotificationMethods.PromptListChangedNotification => l.PromptsListChanged == true,
            NotificationMethods.ResourceListChangedNotification => l.ResourcesListChanged == true,
            _ => false,
        }, cancellationToken);

    /// <summary>Sends notifications/resources/updated to every stream subscribed to <paramref name="uri"/>; returns how many.</summary>
    public Task<int> ResourceUpdatedAsync(string uri, CancellationToken cancellationToken) =>
        PublishAsync(NotificationMethods.ResourceUpdatedNotification, new JsonObject { ["uri"] = uri },
            l => l.ResourceSubscriptions?.Contains(uri, StringComparer.Ordinal) == true, cancellationToken);

    private async Task<int> PublishAsync(string method, JsonObject? parameters, Func<SubscriptionsListenNotifications, bool> wants, CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var listener in _open.Keys.Where(l => wants(l.Granted)))
        {
            try
            {
                await listener.Gate.WaitAsync(cancellationToken);
                try
                {
                    await listener.SendUnlockedAsync(method, parameters?.DeepClone(), cancellationToken);
                    sent++;
                }
                finally
                {
                    listener.Gate.Release();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A stream whose client has gone away is not this caller's problem.
            }
        }

        return sent;
    }

    private sealed class Listener(McpServer server, RequestId id, SubscriptionsListenNotifications granted)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public SubscriptionsListenNotifications Granted { get; } = granted;

        // The request's server writes to the listen POST's own response stream.
        public Task SendUnlockedAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
        {
            var body = parameters as JsonObject ?? [];
            body["_meta"] = new JsonObject { [MetaKeys.SubscriptionId] = JsonSerializer.SerializeToNode(id, McpJsonUtilities.DefaultOptions) };
            return server.SendMessageAsync(new JsonRpcNotification { Method = method, Params = body }, cancellationToken);
        }
    }
}
