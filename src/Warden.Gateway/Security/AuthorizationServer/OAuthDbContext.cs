using Microsoft.EntityFrameworkCore;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>OpenIddict's applications, authorizations, scopes and tokens, in <c>oauth.db</c> under the data directory.</summary>
public sealed class OAuthDbContext(DbContextOptions<OAuthDbContext> options) : DbContext(options);
