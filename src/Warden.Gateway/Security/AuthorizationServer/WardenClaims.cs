namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>Claims Warden adds to the tokens it issues.</summary>
public static class WardenClaims
{
    /// <summary>How the user signed in at Warden (an AuthMethods value: password, admin_key, oidc).</summary>
    public const string LoginMethod = "warden_login";

    /// <summary>Roles the sign-in carried (upstream IdP group mapping); local users' roles come from config instead.</summary>
    public const string Role = "warden_role";
}
