using Microsoft.AspNetCore.Identity;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The people of <c>auth.server.users</c>: checks a password against the user's hash (ASP.NET Core Identity's
/// PBKDF2 format) and reads the user's roles from the configuration in force, so a change to the file applies to
/// tokens already issued.
/// </summary>
public sealed class LocalUsers(WardenState state)
{
    private static readonly PasswordHasher<string> Hasher = new();

    // Verified when the user name is unknown, so an unknown name takes as long to refuse as a wrong password.
    private static readonly string DecoyHash = Hasher.HashPassword("", Guid.NewGuid().ToString());

    /// <summary>Makes the hash <c>warden users set-password</c> prints.</summary>
    public static string Hash(string password) => Hasher.HashPassword("", password);

    public LocalUserConfig? Find(string name) =>
        state.Config.Auth.Server?.Users.TryGetValue(name, out var user) == true ? user : null;

    /// <summary>The signed-in identity when <paramref name="password"/> is the user's; null otherwise.</summary>
    public LoginIdentity? Verify(string name, string password)
    {
        var user = Find(name);
        var result = Hasher.VerifyHashedPassword("", user?.PasswordHash ?? DecoyHash, password);
        return user is not null && result != PasswordVerificationResult.Failed
            ? new LoginIdentity(user.Name, user.DisplayName ?? user.Name, user.Email, AuthMethods.Password)
            : null;
    }
}
