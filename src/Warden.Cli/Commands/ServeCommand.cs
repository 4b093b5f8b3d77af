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
        var config = WardenEnvironment.ConfigOption();
        var urls = new Option<string?>("--urls") { Description = "Address(es) to listen on, e.g. http://127.0.0.1:8787 (overrides listen.urls)" };
        var data = WardenEnvironment.DataOption();
        var command = new Command("serve", "Run the gateway") { config, urls, data };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config), parse.GetValue(urls), parse.GetValue(data), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? configFile, string? urls, DirectoryInfo? data, CancellationToken cancellationToken)
    {
        if (WardenEnvironment.LoadConfig(configFile, "not started") is not { } config)
        {
            return 1;
        }

        var dataDirectory = WardenEnvironment.DataDirectory(data);
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
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("OpenIddict", LogLevel.Warning);
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
        if (app.Services.GetRequiredService<AdminKeyBootstrap>().Issued is { } admin)
        {
            // Printed here once, never logged: it is stored only hashed, so this is the one chance to copy it.
            Console.Out.WriteLine($$"""

                Admin key (shown once, now; store it in a password manager):

                  {{admin.Token}}

                It opens the admin and audit API and /metrics, e.g.
                  curl -H "Authorization: Bearer <admin key>" {{address.TrimEnd('/')}}/api/v1/audit
                Lost it? `warden keys rotate-admin` makes a new one and revokes this one.
                """);
        }
    }
}
