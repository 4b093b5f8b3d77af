using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using Warden.TestServer.Faults;

namespace Warden.TestServer.Hosting;

/// <summary>Runs the test server over Streamable HTTP at <c>/mcp</c> (and legacy HTTP+SSE when asked).</summary>
internal static partial class HttpHost
{
    public static async Task<int> RunAsync(TestServerOptions options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. options.HostArgs] });
        builder.Logging.ClearProviders();

        // stdout carries the LISTENING line tests wait for; keep every log line off it.
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        if (builder.Configuration["urls"] is null)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        // Host-header validation is what protects a localhost server from DNS rebinding; the
        // dns-rebinding-protection scenario checks a foreign Host is refused. --AllowedHosts=* overrides.
        builder.Configuration["AllowedHosts"] ??= "localhost;127.0.0.1;[::1]";

        builder.Services.AddSingleton(new GatedStdoutStream(Console.OpenStandardOutput()));
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMcpServer()
            .WithHttpTransport(http =>
            {
                // Default (hybrid): 2025-era clients get sessions (server-to-client requests,
                // subscriptions, GET streams); 2026-07-28 clients are served statelessly on the same endpoint.
                http.SessionMode = options.SessionMode;
                http.EnableLegacySse = options.EnableLegacySse;
            })
            // An event store makes SSE streams resumable (Last-Event-ID), which server-sse-polling checks.
            .WithDistributedCacheEventStreamStore()
            .AddTestServerPrimitives(options);

        var app = builder.Build();
        app.Use(RequestLog.ObserveAsync);
        app.MapMcp("/mcp");
        app.MapGet("/health", () => "ok");

        await app.StartAsync();
        var url = app.Urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) ?? app.Urls.First();
        LogListening(app.Logger, url, options.SessionMode, options.EnableLegacySse);
        await Console.Out.WriteLineAsync($"LISTENING {url}");
        await Console.Out.FlushAsync();

        await app.WaitForShutdownAsync();
        return 0;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "warden-test-server listening on {Url}/mcp (session mode {SessionMode}, legacy SSE: {LegacySse})")]
    private static partial void LogListening(ILogger logger, string url, HttpServerSessionMode sessionMode, bool legacySse);
}
