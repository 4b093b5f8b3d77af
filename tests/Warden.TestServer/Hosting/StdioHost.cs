using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Warden.TestServer.Faults;

namespace Warden.TestServer.Hosting;

/// <summary>Runs the test server over stdio: JSON-RPC on stdin/stdout, logs on stderr.</summary>
internal static class StdioHost
{
    public static async Task<int> RunAsync(TestServerOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. options.HostArgs] });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

        // The gate lets garbage_stdout put a stray line between two protocol messages, never inside one.
        var stdout = new GatedStdoutStream(Console.OpenStandardOutput());
        builder.Services.AddSingleton(stdout);
        builder.Services.AddMcpServer()
            .WithStreamServerTransport(new CancellableStdinStream(Console.OpenStandardInput()), stdout)
            .AddTestServerPrimitives(options);

        await builder.Build().RunAsync();
        return 0;
    }
}
