using Microsoft.AspNetCore.Http;
using Warden.Core.Pipeline;
using Warden.Gateway.Security.Authentication;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// TEST ONLY: trusts the headers <c>X-Test-Caller</c> (subject) and <c>X-Test-Roles</c> (comma-separated roles), so
/// role tests can act as anyone without an identity provider. Never registered outside tests.
/// </summary>
internal sealed class TestHeaderAuthenticator : ICallerAuthenticator
{
    public const string SubjectHeader = "X-Test-Caller";
    public const string RolesHeader = "X-Test-Roles";

    public ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var subject = context.Request.Headers[SubjectHeader].ToString();
        if (subject.Length == 0)
        {
            return ValueTask.FromResult(AuthenticationResult.NoCredential);
        }

        var roles = context.Request.Headers[RolesHeader].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return ValueTask.FromResult(AuthenticationResult.Success(new Caller(subject, subject, "test", roles)));
    }

    /// <summary>The headers that make a request come from <paramref name="subject"/> holding <paramref name="roles"/>.</summary>
    public static Dictionary<string, string> Headers(string subject, params string[] roles) => new()
    {
        [SubjectHeader] = subject,
        [RolesHeader] = string.Join(',', roles),
    };
}
