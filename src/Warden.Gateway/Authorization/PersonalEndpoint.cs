using Warden.Core.Authorization;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Authorization;

/// <summary>
/// A user's own MCP endpoint, <c>/mcp/u/{user}</c>: the aggregate of exactly the servers, tools, prompts and resources
/// their roles grant, re-evaluated on every request. Only the user it is named after may use it (admins included:
/// an admin has /mcp); anyone else gets 404, so the URL does not reveal whether such a user exists.
/// </summary>
public static class PersonalEndpoint
{
    public const string PathTemplate = "/mcp/u/{user}";

    /// <summary>The path of <paramref name="user"/>'s endpoint.</summary>
    public static string PathOf(string user) => $"/mcp/u/{Uri.EscapeDataString(user)}";

    /// <summary>
    /// True when <paramref name="caller"/> is the endpoint's user: their subject (exactly), their e-mail address, or the
    /// <c>users</c> entry that matches them (both case-insensitive).
    /// </summary>
    public static bool Serves(RolePolicy policy, Caller caller, string user) =>
        string.Equals(caller.Subject, user, StringComparison.Ordinal)
        || string.Equals(caller.Email, user, StringComparison.OrdinalIgnoreCase)
        || string.Equals(policy.UserOf(caller)?.Name, user, StringComparison.OrdinalIgnoreCase);
}
