using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Warden.DemoServer;
using Warden.DemoServer.FileSystem;

// The demo MCP server Warden embeds as its default upstream, so a fresh install shows real tools.
// stdout is the protocol channel: nothing but JSON-RPC may be written to it.
if (!DemoRoot.TryCreate(args, Environment.GetEnvironmentVariable("WARDEN_DEMO_ROOT"), out var root, out var error))
{
    await Console.Error.WriteLineAsync($"warden-demo-server: {error}");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = DemoRoot.WithoutRootArgs(args) });
builder.Logging.ClearProviders();
builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddDemoServer(root);

await builder.Build().RunAsync();
return 0;
