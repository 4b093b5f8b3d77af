namespace Warden.Core.Identity;

/// <summary>Whose key it is: a person's, a service account's (that may act for a person), or the admin key.</summary>
public enum ApiKeyKind
{
    /// <summary>A person's own key: calls are theirs (<c>auth_method: api_key</c>, subject = the person).</summary>
    Person,

    /// <summary>A service account's key (<c>auth_method: service_account</c>, subject = the account, on-behalf-of = the person it acts for).</summary>
    ServiceAccount,

    /// <summary>The admin key printed on first start (<c>auth_method: admin_key</c>, role admin).</summary>
    Admin,
}
