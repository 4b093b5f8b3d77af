using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Warden.Tests.Infrastructure;

/// <summary>Collects progress notifications and completes once the expected number came in.</summary>
internal sealed class ProgressCollector(int expected)
{
    private readonly List<ProgressNotificationParams> _updates = [];
    private readonly TaskCompletionSource<IReadOnlyList<ProgressNotificationParams>> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IReadOnlyList<ProgressNotificationParams>> All => _all.Task;

    public ValueTask HandleAsync(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        var update = notification.Params.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions)!;
        lock (_updates)
        {
            _updates.Add(update);
            if (_updates.Count == expected)
            {
                _all.TrySetResult([.. _updates]);
            }
        }

        return ValueTask.CompletedTask;
    }
}
