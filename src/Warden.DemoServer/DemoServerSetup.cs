using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using Warden.DemoServer.FileSystem;
using Warden.DemoServer.Prompts;
using Warden.DemoServer.Resources;
using Warden.DemoServer.Tools;

namespace Warden.DemoServer;

/// <summary>Registers the demo server's tools, resources and prompts on the stdio transport.</summary>
public static class DemoServerSetup
{
    public static IServiceCollection AddDemoServer(this IServiceCollection services, DemoRoot root)
    {
        services.AddSingleton(root);
        services.AddSingleton(TimeProvider.System);
        services.AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = "warden-demo-server", Title = "Warden demo server", Version = typeof(DemoServerSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" };
                options.ServerInstructions =
                    $"Demo tools shipped with Warden. File tools are confined to {root.FullPath}; paths are relative to it. " +
                    "Read demo://readme for an overview.";
            })
            .WithStdioServerTransport()
            .WithTools<EchoTool>()
            .WithTools<TimeTool>()
            .WithTools<FileTools>()
            .WithTools<SearchTool>()
            .WithTools<HashTool>()
            .WithTools<LongRunningTool>()
            .WithTools<AskModelTool>()
            .WithResources<DemoResources>()
            .WithPrompts<CodeReviewPrompt>();
        return services;
    }
}
