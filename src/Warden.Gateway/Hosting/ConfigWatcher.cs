using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Warden.Core.Configuration;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Hosting;

/// <summary>
/// Applies edits to warden.yaml without a restart. A file that does not validate is reported and ignored:
/// Warden keeps serving with the last good configuration.
/// </summary>
internal sealed partial class ConfigWatcher(WardenState state, UpstreamRegistry upstreams, ILogger<ConfigWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (state.Config.SourcePath is not { } path)
        {
            return;
        }

        var directory = Path.GetDirectoryName(path)!;
        var name = Path.GetFileName(path);
        var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(directory, name)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        watcher.Renamed += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;

        var lastText = await ReadAsync(path).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Wait for a change, or poll every few seconds in case the watcher misses one (network mounts, editors that swap files).
            await changed.WaitAsync(TimeSpan.FromSeconds(3), stoppingToken).ConfigureAwait(false);
            while (changed.CurrentCount > 0)
            {
                await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
            }

            var text = await ReadAsync(path).ConfigureAwait(false);
            if (text is null || text == lastText)
            {
                continue;
            }

            lastText = text;
            var result = ConfigParser.Parse(text, path);
            if (result.Config is not { } config)
            {
                LogRejected(path, string.Join("; ", result.Errors));
                continue;
            }

            state.Config = config;
            await upstreams.ApplyAsync(config.Servers).ConfigureAwait(false);
            LogReloaded(path);
        }
    }

    private static async Task<string?> ReadAsync(string path)
    {
        try
        {
            return await File.ReadAllTextAsync(path).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Configuration reloaded from {Path}")]
    private partial void LogReloaded(string path);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Configuration change in {Path} rejected, still serving the previous configuration: {Errors}")]
    private partial void LogRejected(string path, string errors);
}
