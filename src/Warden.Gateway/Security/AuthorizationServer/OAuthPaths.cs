namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>Where the authorization server's endpoints live (relative to Warden's origin).</summary>
public static class OAuthPaths
{
    public const string Authorize = "/oauth/authorize";
    public const string Token = "/oauth/token";
    public const string Revoke = "/oauth/revoke";
    public const string Register = "/oauth/register";
    public const string Jwks = "/oauth/jwks";
    public const string Login = "/oauth/login";
    public const string Logout = "/oauth/logout";

    /// <summary>The cookie scheme of a browser signed in at Warden's login page (between authorize and consent).</summary>
    public const string LoginScheme = "Warden.Login";

    /// <summary>The scope MCP clients ask for; offline_access is granted beside it so clients get a refresh token.</summary>
    public const string McpScope = "mcp";
}
