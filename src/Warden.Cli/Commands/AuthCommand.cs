using System.CommandLine;
using Warden.Gateway.Security.AuthorizationServer;

namespace Warden.Cli.Commands;

/// <summary>`warden auth rotate-keys`: a new signing and encryption key pair for the tokens Warden issues (auth.server).</summary>
internal static class AuthCommand
{
    public static Command Create()
    {
        var data = WardenEnvironment.DataOption();
        var rotate = new Command("rotate-keys", "Create a new token signing and encryption key pair; it is used from the next start of `warden serve`") { data };
        rotate.SetAction(parse =>
        {
            var directory = WardenEnvironment.DataDirectory(parse.GetValue(data));
            var id = OAuthKeyRing.Rotate(directory, TimeProvider.System);
            Console.Out.WriteLine($"""
                New key pair {id} in {OAuthKeyRing.DirectoryFor(directory)}.
                Restart Warden (every replica, after copying the directory to them) to sign and encrypt with it; the older
                keys keep validating the tokens they made. Delete the older signing-*/encryption-* files once the refresh
                token lifetime (auth.server.refreshTokenLifetime, 14 days by default) has passed.
                """);
            return 0;
        });
        return new Command("auth", "Warden as authorization server: its token keys") { rotate };
    }
}
