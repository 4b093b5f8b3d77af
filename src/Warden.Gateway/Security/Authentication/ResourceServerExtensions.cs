using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication.Oidc;

namespace Warden.Gateway.Security.Authentication;

/// <summary>Registers Warden as an OAuth protected resource: its resource URIs, the refusal audit, and the IdP's tokens when <c>auth.oidc</c> is set.</summary>
public static class ResourceServerExtensions
{
    public static IServiceCollection AddWardenResourceServer(this IServiceCollection services, WardenConfig config)
    {
        services.AddSingleton<ProtectedResource>();
        services.AddSingleton<CredentialRefusals>();
        if (config.Auth.Oidc is { } oidc)
        {
            services.AddSingleton(sp => new OidcKeySource(oidc, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OidcKeySource>>()));
            services.AddSingleton<IAuthorizationServerSource>(new OidcAuthorizationServer(oidc));
            services.AddSingleton<ICallerAuthenticator>(sp => new OidcTokenAuthenticator(oidc, sp.GetRequiredService<OidcKeySource>(), sp.GetRequiredService<ProtectedResource>(),
                sp.GetRequiredService<WardenState>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OidcTokenAuthenticator>>()));
        }

        return services;
    }
}
