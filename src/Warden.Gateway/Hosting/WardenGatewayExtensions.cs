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
using Warden.Core.Identity;
using Warden.Gateway.Api;
using Warden.Gateway.Authorization;
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
using Warden.Storage.Sqlite.Identity;

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
        services.AddSingleton<RoleAccess>();
        services.AddSingleton<RoleAuthorizer>();
        services.AddSingleton<Handshake>();
        services.AddSingleton<AggregateRouter>();
        services.AddSingleton<McpPipeline>();
        services.AddSingleton<ModernHandler>();
        services.AddSingleton<McpHttpHandler>();
        services.TryAddSingleton<ICallerIdentifier, CallerIdentifier>();
        services.AddSingleton<AuthAuditor>();
        AddIdentity(services, config, dataDirectory);
        services.AddWardenResourceServer(config);
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

    // API keys (and the admin key) in identity.db; the key authenticator is always registered, so a presented key is
    // always checked, but it requires a credential from every caller only with auth.apiKeys: true.
    private static void AddIdentity(IServiceCollection services, WardenConfig config, string dataDirectory)
    {
        services.TryAddSingleton(_ => IdentityKey.Load(config.Auth.IdentityKey, dataDirectory));
        services.TryAddSingleton(_ => SqliteIdentityDatabase.OpenAsync(IdentityDatabasePath(dataDirectory)).GetAwaiter().GetResult());
        services.TryAddSingleton<IApiKeyStore>(sp => new SqliteApiKeyStore(sp.GetRequiredService<SqliteIdentityDatabase>()));
        services.TryAddSingleton(sp => new ApiKeyService(sp.GetRequiredService<IApiKeyStore>(), sp.GetRequiredService<IdentityKey>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new FailedAttemptLimiter(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICallerAuthenticator, ApiKeyAuthenticator>();
        services.TryAddSingleton<IUpstreamCredentialStore>(sp => new SqliteUpstreamCredentialStore(sp.GetRequiredService<SqliteIdentityDatabase>()));
        services.TryAddSingleton(sp => new UpstreamCredentialService(sp.GetRequiredService<IUpstreamCredentialStore>(), sp.GetRequiredService<IdentityKey>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<UpstreamCredentials>();
        services.AddSingleton<AdminKeyBootstrap>();
        services.TryAddSingleton<IAdminKeyVerifier, AdminKeyVerifier>();
        services.AddSingleton<OperatorAccess>();
    }

    /// <summary>The identity database (API keys; later local users and upstream credentials) in the data directory.</summary>
    public static string IdentityDatabasePath(string dataDirectory) => Path.Combine(dataDirectory, SqliteIdentityDatabase.FileName);

    /// <summary>The audit log's name in its checkpoints and the name of its signing key.</summary>
    public static string AuditOrigin(WardenConfig config) => config.Audit.Origin ?? $"warden/{Environment.MachineName.ToLowerInvariant()}";

    /// <summary>The audit log's SQLite file: <c>audit.database</c>, relative to the data directory unless absolute.</summary>
    public static string AuditDatabasePath(WardenConfig config, string dataDirectory) => Path.Combine(dataDirectory, config.Audit.Database);

    /// <summary>The spool of records the log could not take (audit.onFailure: open), beside the database.</summary>
    public static string AuditSpoolPath(WardenConfig config, string dataDirectory) => SpoolingAuditStore.SpoolPathFor(AuditDatabasePath(config, dataDirectory));

    /// <summary>Adds the middleware and maps /mcp, /mcp/{server}, /mcp/u/{user}, /healthz and /readyz.</summary>
    public static IEndpointRouteBuilder MapWardenGateway(this WebApplication app)
    {
        // Open the audit log now: a log that cannot be opened stops start-up instead of failing the first call.
        var audit = app.Services.GetRequiredService<IAuditStore>();
        app.Services.GetRequiredService<WardenMetrics>().ObserveAudit(audit);
        var telemetry = app.Services.GetRequiredService<TelemetryProviders>();
        app.UseMiddleware<HostOriginValidation>();
        app.UseMiddleware<OperatorAccess>();

        // The admin key is made on the first start (and printed by the caller from AdminKeyBootstrap.Issued).
        app.Services.GetRequiredService<AdminKeyBootstrap>().EnsureAsync(CancellationToken.None).GetAwaiter().GetResult();
        app.MapWardenAuthorizationServer();
        var handler = app.Services.GetRequiredService<McpHttpHandler>();
        app.MapPost("/mcp", (HttpContext http) => handler.PostAsync(http, null));
        app.MapGet("/mcp", (HttpContext http) => handler.GetAsync(http, null));
        app.MapDelete("/mcp", (HttpContext http) => handler.DeleteAsync(http, null));
        app.MapPost("/mcp/{server}", (HttpContext http, string server) => handler.PostAsync(http, server));
        app.MapGet("/mcp/{server}", (HttpContext http, string server) => handler.GetAsync(http, server));
        app.MapDelete("/mcp/{server}", (HttpContext http, string server) => handler.DeleteAsync(http, server));
        app.MapPost(PersonalEndpoint.PathTemplate, (HttpContext http, string user) => handler.PostAsync(http, null, user));
        app.MapGet(PersonalEndpoint.PathTemplate, (HttpContext http, string user) => handler.GetAsync(http, null, user));
        app.MapDelete(PersonalEndpoint.PathTemplate, (HttpContext http, string user) => handler.DeleteAsync(http, null, user));
        app.MapAuditApi();
        app.MapCredentialsApi();
        app.MapKeysApi();
        app.MapProtectedResourceMetadata();
        if (telemetry.Prometheus is { } prometheus)
        {
            // Like /api/v1: for operators only (OperatorAccess asks for an admin or metrics credential).
            app.MapGet("/metrics", () => Results.Text(prometheus.Scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        }

        app.MapGet("/healthz", () => Results.Json(new JsonObject { ["status"] = "ok", ["version"] = WardenInfo.Version }));
        // Public, for load balancers and probes: the status and the audit log's state. Which servers exist, their last
        // errors and the session count are for operators (an admin, auditor or metrics credential).
        app.MapGet("/readyz", async (HttpContext http, UpstreamRegistry upstreams, SessionStore sessions, WardenState current, OperatorAccess access) =>
        {
            var health = upstreams.Health();

            // Not ready (503, so a load balancer takes this replica out) only while calls are refused: the log cannot be
            // written and audit.onFailure is closed. An unhealthy upstream or spooled records leave the rest working: degraded.
            var refusing = audit.Unavailable is not null && current.Config.Audit.OnFailure == AuditFailureMode.Closed;
            var status = refusing ? "unavailable" : health.All(h => h.Healthy) && audit.Unavailable is null && audit.Spooled == 0 ? "ready" : "degraded";
            var code = refusing ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            if (!await access.AdmitsAsync(http, AccessLevel.Metrics, AccessLevel.AuditRead).ConfigureAwait(false))
            {
                return Results.Json(new JsonObject
                {
                    ["status"] = status,
                    ["audit"] = new JsonObject { ["writable"] = audit.Unavailable is null, ["spooled"] = audit.Spooled },
                    ["details"] = "Send an admin, auditor or metrics credential for per-server health.",
                }, statusCode: code);
            }

            var servers = new JsonArray();
            foreach (var h in health)
            {
                servers.Add(new JsonObject { ["name"] = h.Name, ["kind"] = h.Kind, ["healthy"] = h.Healthy, ["lastError"] = h.LastError is { } error ? current.Redactor.Redact(error) : null, ["connections"] = h.Connections });
            }

            return Results.Json(new JsonObject
            {
                ["status"] = status,
                ["sessions"] = sessions.Count,
                ["servers"] = servers,
                ["audit"] = new JsonObject { ["writable"] = audit.Unavailable is null, ["spooled"] = audit.Spooled, ["error"] = audit.Unavailable },
            }, statusCode: code);
        });
        return app;
    }
}
