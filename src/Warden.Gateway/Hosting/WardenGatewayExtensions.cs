using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Spool;
using Warden.Core.Configuration;
using Warden.Gateway.Api;
using Warden.Gateway.Logging;
using Warden.Core.Pipeline;
using Warden.Core.Sessions;
using Warden.Gateway.Mcp;
using Warden.Gateway.Pipeline;
using Warden.Gateway.Security;
using Warden.Gateway.Security.Authentication;
using Warden.Gateway.Security.AuthorizationServer;
using Warden.Gateway.Telemetry;
using Warden.Gateway.Upstreams;
using Warden.Storage.Sqlite;

namespace Warden.Gateway.Hosting;

/// <summary>Composition of the gateway: services, middleware and endpoints.</summary>
public static class WardenGatewayExtensions
{
    /// <summary>Registers Warden's services for a validated configuration and a data directory.</summary>
    public static IServiceCollection AddWardenGateway(this IServiceCollection services, WardenConfig config, string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var state = new WardenState(config, dataDirectory);
        services.AddSingleton(state);

        // Every logger (Warden's, ASP.NET Core's, the MCP SDK's, upstream stderr) masks secrets with the configuration's redactor.
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(
            new LoggerFactory(sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(), sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>()),
            () => state.Redactor)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new SessionSealer(SessionSealer.LoadOrCreateKey(config.Sessions.Key, Path.Combine(dataDirectory, "session.key"))));
        services.AddSingleton<WardenMetrics>();
        services.AddSingleton(sp => new TelemetryProviders(config, sp.GetRequiredService<ILogger<TelemetryProviders>>(), () => state.Redactor));
        services.AddSingleton<UpstreamRegistry>();
        services.AddSingleton(sp => new SessionStore(sp.GetRequiredService<SessionSealer>(), sp.GetRequiredService<UpstreamRegistry>(), sp.GetRequiredService<TimeProvider>(), () => state.Config.Sessions));
        services.AddSingleton<Handshake>();
        services.AddSingleton<AggregateRouter>();
        services.AddSingleton<McpPipeline>();
        services.AddSingleton<ModernHandler>();
        services.AddSingleton<McpHttpHandler>();
        services.TryAddSingleton<ICallerIdentifier, CallerIdentifier>();
        services.AddSingleton<AuthAuditor>();
        services.TryAddSingleton<IDecisionPoint, AllowAllDecisionPoint>();
        services.TryAddSingleton(sp => new AuditKeyStore(dataDirectory, AuditOrigin(config), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<AuditKeyStore>>()));
        // Personal fields are sealed per data subject; the master key sits beside the signing key (mode 0600).
        services.TryAddSingleton(_ => AuditMasterKey.LoadOrCreate(dataDirectory));
        services.TryAddSingleton(sp => SqliteSubjectKeyStore.Open(AuditDatabasePath(config, dataDirectory), sp.GetRequiredService<AuditMasterKey>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ISubjectKeyStore>(sp => sp.GetRequiredService<SqliteSubjectKeyStore>());
        services.TryAddSingleton(sp => new AuditRecordSealer(sp.GetRequiredService<ISubjectKeyStore>()));
        services.TryAddSingleton<IAuditStore>(sp =>
        {
            var keys = sp.GetRequiredService<AuditKeyStore>();
            var sealer = sp.GetRequiredService<AuditRecordSealer>();

            // The signing key exists from the first start, so its public half can be handed to auditors at once.
            keys.GetSigner();
            var options = new SqliteAuditStoreOptions
            {
                Durability = config.Audit.Durability,
                CheckpointEvery = config.Audit.CheckpointEvery,
                CheckpointInterval = config.Audit.CheckpointInterval,
                Origin = AuditOrigin(config),
                Signer = keys.GetSigner,
                Time = sp.GetRequiredService<TimeProvider>(),
                Seal = (record, cancellationToken) => sealer.SealAsync(record, state.Config.Audit.Privacy.EncryptContent, cancellationToken),
            };
            // Opened once, at start-up; a log that cannot be opened stops Warden with the reason. audit.onFailure is
            // read per record, so a reload can change it; a spool an earlier run left is replayed before serving.
            var sqlite = SqliteAuditStore.OpenAsync(AuditDatabasePath(config, dataDirectory), options, sp.GetService<ILogger<SqliteAuditStore>>()).GetAwaiter().GetResult();
            return SpoolingAuditStore.OpenAsync(sqlite, AuditSpoolPath(config, dataDirectory), () => state.Config.Audit.OnFailure, config.Audit.Durability,
                sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<SpoolingAuditStore>>()).GetAwaiter().GetResult();
        });
        services.AddWardenAuthorizationServer(config, dataDirectory);
        services.AddHostedService<UpstreamLifetime>();
        services.AddHostedService<ConfigWatcher>();
        services.AddHostedService<SessionSweeper>();
        services.AddHostedService(sp => new AuditPruner(sp, state, AuditDatabasePath(config, dataDirectory), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditPruner>>()));
        return services;
    }

    /// <summary>The audit log's name in its checkpoints and the name of its signing key.</summary>
    public static string AuditOrigin(WardenConfig config) => config.Audit.Origin ?? $"warden/{Environment.MachineName.ToLowerInvariant()}";

    /// <summary>The audit log's SQLite file: <c>audit.database</c>, relative to the data directory unless absolute.</summary>
    public static string AuditDatabasePath(WardenConfig config, string dataDirectory) => Path.Combine(dataDirectory, config.Audit.Database);

    /// <summary>The spool of records the log could not take (audit.onFailure: open), beside the database.</summary>
    public static string AuditSpoolPath(WardenConfig config, string dataDirectory) => SpoolingAuditStore.SpoolPathFor(AuditDatabasePath(config, dataDirectory));

    /// <summary>Adds the middleware and maps /mcp, /mcp/{server}, /healthz and /readyz.</summary>
    public static IEndpointRouteBuilder MapWardenGateway(this WebApplication app)
    {
        // Open the audit log now: a log that cannot be opened stops start-up instead of failing the first call.
        var audit = app.Services.GetRequiredService<IAuditStore>();
        app.Services.GetRequiredService<WardenMetrics>().ObserveAudit(audit);
        var telemetry = app.Services.GetRequiredService<TelemetryProviders>();
        app.UseMiddleware<HostOriginValidation>();
        app.MapWardenAuthorizationServer();
        var handler = app.Services.GetRequiredService<McpHttpHandler>();
        app.MapPost("/mcp", (HttpContext http) => handler.PostAsync(http, null));
        app.MapGet("/mcp", (HttpContext http) => handler.GetAsync(http, null));
        app.MapDelete("/mcp", (HttpContext http) => handler.DeleteAsync(http, null));
        app.MapPost("/mcp/{server}", (HttpContext http, string server) => handler.PostAsync(http, server));
        app.MapGet("/mcp/{server}", (HttpContext http, string server) => handler.GetAsync(http, server));
        app.MapDelete("/mcp/{server}", (HttpContext http, string server) => handler.DeleteAsync(http, server));
        app.MapAuditApi();
        if (telemetry.Prometheus is { } prometheus)
        {
            // Like /readyz and /api/v1: for operators, reached through the loopback binding (and listen.allowedHosts).
            app.MapGet("/metrics", () => Results.Text(prometheus.Scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        }

        app.MapGet("/healthz", () => Results.Json(new JsonObject { ["status"] = "ok", ["version"] = WardenInfo.Version }));
        app.MapGet("/readyz", (UpstreamRegistry upstreams, SessionStore sessions, WardenState current) =>
        {
            var health = upstreams.Health();
            var servers = new JsonArray();
            foreach (var h in health)
            {
                servers.Add(new JsonObject { ["name"] = h.Name, ["kind"] = h.Kind, ["healthy"] = h.Healthy, ["lastError"] = h.LastError is { } error ? current.Redactor.Redact(error) : null, ["connections"] = h.Connections });
            }

            return Results.Json(new JsonObject
            {
                ["status"] = health.All(h => h.Healthy) && audit.Unavailable is null && audit.Spooled == 0 ? "ready" : "degraded",
                ["sessions"] = sessions.Count,
                ["servers"] = servers,
                ["audit"] = new JsonObject { ["writable"] = audit.Unavailable is null, ["spooled"] = audit.Spooled, ["error"] = audit.Unavailable },
            });
        });
        return app;
    }
}
