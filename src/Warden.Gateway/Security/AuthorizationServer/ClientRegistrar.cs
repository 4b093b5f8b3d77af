using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.RateLimiting;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Turns validated client metadata into an OpenIddict application: the authorization code flow with PKCE required,
/// refresh tokens, the <c>mcp</c> and <c>offline_access</c> scopes, explicit consent. A registered client's
/// <c>client_secret</c> is stored hashed by OpenIddict and shown once, in the registration response.
/// </summary>
public sealed class ClientRegistrar
{
    /// <summary>Thirty registrations per client address per hour: plenty for people, not enough to fill the database.</summary>
    public PartitionedRateLimiter<string> Limiter { get; } = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));

    /// <summary>Application property: how the client came to be registered (<c>dynamic</c> or <c>metadata_document</c>).</summary>
    public const string SourceProperty = "warden_source";

    /// <summary>Application property: when a metadata document was last fetched (Unix seconds).</summary>
    public const string FetchedProperty = "warden_fetched";

    /// <summary>Creates a dynamically registered client; returns its id and, for confidential clients, its secret.</summary>
    public static async Task<(string ClientId, string? Secret)> RegisterAsync(IOpenIddictApplicationManager applications, ClientMetadata metadata, CancellationToken cancellationToken)
    {
        var clientId = "wdc_" + Base64Url(RandomNumberGenerator.GetBytes(16));
        var secret = metadata.IsPublic ? null : Base64Url(RandomNumberGenerator.GetBytes(32));
        var descriptor = Describe(clientId, metadata, "dynamic", null);
        descriptor.ClientSecret = secret;
        await applications.CreateAsync(descriptor, cancellationToken);
        return (clientId, secret);
    }

    /// <summary>Creates or refreshes the client a metadata document describes; its client id is the document's URL.</summary>
    public static async Task UpsertDocumentClientAsync(IOpenIddictApplicationManager applications, string clientId, ClientMetadata metadata, DateTimeOffset fetched, CancellationToken cancellationToken)
    {
        var descriptor = Describe(clientId, metadata, "metadata_document", fetched);
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } existing)
        {
            await applications.UpdateAsync(existing, descriptor, cancellationToken);
            return;
        }

        await applications.CreateAsync(descriptor, cancellationToken);
    }

    private static OpenIddictApplicationDescriptor Describe(string clientId, ClientMetadata metadata, string source, DateTimeOffset? fetched)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = metadata.IsPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = metadata.ClientName ?? clientId,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + OAuthPaths.McpScope,
                Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };

        // Refresh tokens come with every grant (offline_access is granted beside mcp), so a client that registered
        // for authorization_code alone may still use the one it gets.
        descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        foreach (var uri in metadata.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        descriptor.Properties[SourceProperty] = JsonSerializer.SerializeToElement(source);
        if (metadata.ClientUri is { } clientUri)
        {
            descriptor.Properties["client_uri"] = JsonSerializer.SerializeToElement(clientUri);
        }

        if (fetched is { } at)
        {
            descriptor.Properties[FetchedProperty] = JsonSerializer.SerializeToElement(at.ToUnixTimeSeconds());
        }

        return descriptor;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
