using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;

namespace Warden.Tests.Infrastructure;

/// <summary>A real Warden on Kestrel at 127.0.0.1:0, with its own data directory.</summary>
internal sealed class WardenHost : IAsyncDisposable
{
    // The admin key is printed (made) on a data directory's first start only; a restart on the same one reuses it.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> AdminKeys = new(StringComparer.Ordinal);

    private readonly WebApplication _app;
    private int _disposed;

    private WardenHost(WebApplication app, string baseUrl, string dataDirectory, string adminKey)
    {
        _app = app;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
        AdminKey = adminKey;
    }

    /// <summary>The admin key of this data directory (made on its first start), for the admin and audit API and /metrics.</summary>
    public string AdminKey { get; }

    public string BaseUrl { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts Warden; <paramref name="time"/> replaces the system clock (e.g. to let sessions go idle at once),
    /// <paramref name="services"/> registers replacements (a decision point, say) before Warden's own services, and
    /// <paramref name="logs"/> receives everything Warden logs, down to Trace.
    /// </summary>
    public static async Task<WardenHost> StartAsync(WardenConfig config, string? dataDirectory = null, TimeProvider? time = null, Action<IServiceCollection>? services = null, CapturedLogs? logs = null)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("warden-test-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter<CapturedLogs>(null, LogLevel.Trace);
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = config.Limits.MaxRequestBodyBytes);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        services?.Invoke(builder.Services);
        builder.Services.AddWardenGateway(config, dataDirectory);
        var app = builder.Build();
        app.MapWardenGateway();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var adminKey = app.Services.GetRequiredService<AdminKeyBootstrap>().Issued?.Token is { } issued
            ? AdminKeys[Path.GetFullPath(dataDirectory)] = issued
            : AdminKeys.TryGetValue(Path.GetFullPath(dataDirectory), out var known)
                ? known
                : (await app.Services.GetRequiredService<Warden.Core.Identity.ApiKeyService>().RotateAdminAsync("test", CancellationToken.None)).Issued.Token;
        AdminKeys[Path.GetFullPath(dataDirectory)] = adminKey;
        return new WardenHost(app, address.TrimEnd('/'), dataDirectory, adminKey);
    }

    public static Task<WardenHost> StartAsync(string yaml, string? dataDirectory = null, TimeProvider? time = null, Action<IServiceCollection>? services = null, CapturedLogs? logs = null)
    {
        var result = ConfigParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return StartAsync(result.Config!, dataDirectory, time, services, logs);
    }

    /// <summary>An HTTP client that presents the admin key (for /api/v1/… and /metrics).</summary>
    public HttpClient AdminHttp(TimeSpan? timeout = null)
    {
        var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    public Task<McpClient> ConnectAsync(string path = "/mcp", McpClientOptions? options = null, string? bearer = null) =>
        Clients.ConnectAsync(BaseUrl + path, options, bearer);

    public async ValueTask DisposeAsync()
    {
        // A test may stop Warden early (to read its files) and still be inside an await using.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
