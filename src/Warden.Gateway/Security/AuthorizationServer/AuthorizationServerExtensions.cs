using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Server;
using Warden.Core.Audit;
using Warden.Core.Configuration;
using Warden.Gateway.Security.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>Composition of Warden's authorization server (<c>auth.server</c>): OpenIddict, its stores, the login and consent pages.</summary>
public static class AuthorizationServerExtensions
{
    /// <summary>The OpenIddict database under the data directory.</summary>
    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "oauth.db");

    /// <summary>Registers the authorization server when <c>auth.server</c> is enabled; does nothing otherwise.</summary>
    public static IServiceCollection AddWardenAuthorizationServer(this IServiceCollection services, WardenConfig config, string dataDirectory)
    {
        if (config.Auth.Server is not { Enabled: true } server)
        {
            return services;
        }

        services.AddSingleton<IAuthorizationServerSource, WardenAuthorizationServerSource>();

        var database = DatabasePath(dataDirectory);
        var keys = OAuthKeyRing.LoadOrCreate(dataDirectory, TimeProvider.System);
        services.AddSingleton(keys);
        services.AddSingleton<LocalUsers>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ClientRegistrar>();
        services.AddSingleton<ClientMetadataDocuments>();
        services.AddHttpClient(ClientMetadataDocuments.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => ClientMetadataDocuments.CreateHandler(sp.GetRequiredService<Hosting.WardenState>()));
        services.AddHostedService<OAuthPruner>();
        if (server.Idp is { } idp)
        {
            // The IdP's discovery document and keys are fetched like auth.oidc's: cached, refreshed, rate limited on unknown keys.
            services.AddSingleton<IUpstreamLogin>(sp => new Upstream.OidcUpstreamLogin(idp,
                new Authentication.Oidc.OidcKeySource(new OidcConfig { Issuer = idp.Issuer, DiscoveryUrl = idp.DiscoveryUrl }, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Authentication.Oidc.OidcKeySource>>()),
                sp.GetRequiredService<IDataProtectionProvider>(), sp.GetRequiredService<Hosting.WardenState>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<Upstream.OidcUpstreamLogin>>()));
        }

        // Ahead of the other authenticators, so a Warden-issued token is never offered to one that cannot read it.
        services.Insert(0, ServiceDescriptor.Singleton<ICallerAuthenticator, WardenTokenAuthenticator>());

        services.AddDbContext<OAuthDbContext>(options =>
        {
            options.UseSqlite($"Data Source={database};Default Timeout=30");
            options.UseOpenIddict();
        });

        // The login cookie and the forms' anti-forgery tokens are protected with keys kept beside Warden's other keys.
        var protectionKeys = Path.Combine(dataDirectory, "dataprotection-keys");
        OwnerOnlyFile.EnsureDirectory(protectionKeys);
        services.AddDataProtection().SetApplicationName("warden").PersistKeysToFileSystem(new DirectoryInfo(protectionKeys));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "warden_csrf";
            options.Cookie.Path = "/oauth";
            options.FormFieldName = "csrf";
        });
        services.AddAuthentication()
            .AddCookie(OAuthPaths.LoginScheme, options =>
            {
                options.Cookie.Name = "warden_login";
                options.Cookie.Path = "/oauth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.ExpireTimeSpan = server.LoginLifetime;
                options.SlidingExpiration = false;
                options.LoginPath = OAuthPaths.Login;
            });

        services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<OAuthDbContext>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris(OAuthPaths.Authorize[1..])
                    .SetTokenEndpointUris(OAuthPaths.Token[1..])
                    .SetRevocationEndpointUris(OAuthPaths.Revoke[1..])
                    .SetJsonWebKeySetEndpointUris(OAuthPaths.Jwks[1..]);
                options.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();

                // OAuth 2.1 and the MCP authorization spec: PKCE on every authorization, S256 only (plain leaks the verifier).
                options.RequireProofKeyForCodeExchange();
                options.Configure(o =>
                {
                    o.CodeChallengeMethods.Clear();
                    o.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });

                options.SetAccessTokenLifetime(server.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(server.RefreshTokenLifetime)
                    .SetAuthorizationCodeLifetime(server.AuthorizationCodeLifetime)
                    .DisableSlidingRefreshTokenExpiration();

                // Rolling refresh tokens with no reuse window: a refresh token works once; presenting it again revokes
                // the whole authorization (every token issued from it), since one of the two presenters stole it.
                options.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                options.RegisterScopes(OAuthPaths.McpScope, Scopes.OfflineAccess);

                // Resource indicators are checked against Warden's own endpoints by ResourceIndicatorHandlers (the
                // registered-list check OpenIddict offers needs absolute URIs fixed at start, which a Warden behind
                // a changing address or on port 0 does not have).
                options.DisableResourceValidation().IgnoreResourcePermissions();

                foreach (var key in keys.SigningKeys)
                {
                    options.AddSigningKey(key);
                }

                foreach (var key in keys.EncryptionKeys)
                {
                    options.AddEncryptionKey(key);
                }

                if ((server.Issuer ?? config.Listen.PublicUrl?.TrimEnd('/')) is { } issuer)
                {
                    options.SetIssuer(new Uri(issuer, UriKind.Absolute));
                }

                // TLS is checked on the issuer at load (https unless loopback) rather than per request: behind a proxy
                // that terminates TLS every request arrives as http.
                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .DisableTransportSecurityRequirement();

                ServerEventHandlers.Register(options);
            })
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();

                // Two indexed lookups per request: a revoked token (refresh-token reuse revokes every token of the
                // authorization) or a revoked authorization stops its access tokens at once, not at expiry.
                options.EnableTokenEntryValidation();
                options.EnableAuthorizationEntryValidation();
            });

        return services;
    }

    /// <summary>Creates the OpenIddict database (0600) when missing, and maps the endpoints Warden serves itself.</summary>
    public static WebApplication MapWardenAuthorizationServer(this WebApplication app)
    {
        var state = app.Services.GetRequiredService<Hosting.WardenState>();
        if (state.Config.Auth.Server is not { Enabled: true })
        {
            return app;
        }

        var database = DatabasePath(state.DataDirectory);
        if (!File.Exists(database))
        {
            // SQLite gives the -wal and -shm files the database file's mode.
            using var created = OwnerOnlyFile.CreateNew(database);
        }

        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OAuthDbContext>().Database;
            db.EnsureCreated();
            db.ExecuteSqlRaw("PRAGMA journal_mode=wal;");
        }

        app.UseAuthentication();
        app.MapAuthorizeEndpoint();
        app.MapLoginEndpoints();
        app.MapClientRegistration();
        return app;
    }
}
