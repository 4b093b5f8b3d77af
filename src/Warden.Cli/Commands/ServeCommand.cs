using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;

namespace Warden.Cli.Commands;

/// <summary>`warden serve`: runs the gateway.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "Configuration file (default: embedded defaults with the demo server)" };
        var urls = new Option<string?>("--urls") { Description = "Address(es) to listen on, e.g. http://127.0.0.1:8787 (overrides listen.urls)" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Data directory (default: $WARDEN_HOME or ./.warden)" };
        var command = new Command("serve", "Run the gateway") { config, urls, data };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config), parse.GetValue(urls), parse.GetValue(data), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? configFile, string? urls, DirectoryInfo? data, CancellationToken cancellationToken)
    {
        WardenConfig config;
        if (configFile is not null)
        {
            var result = ConfigParser.ParseFile(configFile.FullName);
            if (result.Config is null)
            {
                foreach (var error in result.Errors)
                {
                    Console.Error.WriteLine(error);
                }

                Console.Error.WriteLine($"{configFile.FullName}: not started; fix the {result.Errors.Count} problem(s) above (check with `warden config validate`).");
                return 1;
            }

            config = result.Config;
        }
        else
        {
            config = EmbeddedDefaults.Create();
        }

        var dataDirectory = data?.FullName ?? Environment.GetEnvironmentVariable("WARDEN_HOME") ?? Path.Combine(Directory.GetCurrentDirectory(), ".warden");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
        builder.WebHost.UseUrls(urls is not null ? urls.Split(';', ',') : [.. config.Listen.Urls]);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = config.Limits.MaxRequestBodyBytes);
        builder.Services.AddWardenGateway(config, dataDirectory);

        await using var app = builder.Build();
        app.MapWardenGateway();
        await app.StartAsync(cancellationToken);
        PrintBanner(app, config);
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    private static void PrintBanner(WebApplication app, WardenConfig config)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:8787";
        var endpoint = $"{address.TrimEnd('/')}/mcp";
        var servers = string.Join(", ", config.Servers.Keys.Select(s => $"{endpoint}/{s}"));
        Console.Out.WriteLine($$"""
            Warden is listening.
              All servers:  {{endpoint}}
              One server:   {{servers}}
              Health:       {{address.TrimEnd('/')}}/readyz
              Config:       {{config.SourcePath ?? "(embedded defaults: the demo server over stdio)"}}

            Connect Claude Code:
              claude mcp add --transport http warden {{endpoint}}
            Cursor (~/.cursor/mcp.json) or any client taking an mcpServers map:
              { "mcpServers": { "warden": { "url": "{{endpoint}}" } } }
            MCP Inspector:
              npx @modelcontextprotocol/inspector --cli {{endpoint}} --transport http --method tools/list
            """);
    }
}
