using Warden.Gateway.Security.AuthorizationServer;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway.AuthorizationServer;

/// <summary>warden.yaml for the authorization-server tests: the stdio test server as "test", and Warden as authorization server.</summary>
internal static class OAuthConfigs
{
    public const string User = "alice";
    public const string Password = "correct horse battery staple";

    // Hashing is deliberately slow (PBKDF2); one hash serves every test.
    private static readonly string PasswordHash = LocalUsers.Hash(Password);

    public static string Server(string extra = "") => $$"""
        servers:
          test:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            timeout: 30s
        auth:
          server:
            maxFailedLogins: 3
        {{extra}}
            users:
              alice:
                passwordHash: "{{PasswordHash}}"
                displayName: Alice Example
                email: alice@example.com
                roles: [engineering, analyst]
        """;
}
