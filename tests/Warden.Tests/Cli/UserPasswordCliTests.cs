using Warden.Core.Audit;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.AuthorizationServer;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Cli;

/// <summary>`warden users set-password` and `warden auth rotate-keys`.</summary>
public sealed class UserPasswordCliTests
{
    [Fact]
    public async Task SetPassword_FromStdin_PrintsConfigWhoseHashVerifies()
    {
        var result = await WardenCli.RunWithInputAsync("a long enough passphrase\n", "users", "set-password", "bob", "--password-stdin");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("passphrase", result.Stdout, StringComparison.Ordinal);
        var parsed = ConfigParser.Parse(result.Stdout);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        var users = new LocalUsers(new WardenState(parsed.Config!, Path.GetTempPath()));
        Assert.NotNull(users.Verify("bob", "a long enough passphrase"));
        Assert.Null(users.Verify("bob", "a long enough passphrasE"));
    }

    [Fact]
    public async Task SetPassword_ShortPassword_RefusedWithAdvice()
    {
        var result = await WardenCli.RunWithInputAsync("short\n", "users", "set-password", "bob", "--password-stdin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("at least 12 characters", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout.Trim());
    }

    [Fact]
    public async Task RotateKeys_ExistingRing_AddsNewestPairOwnerOnly()
    {
        var data = Directory.CreateTempSubdirectory("warden-keys-").FullName;
        var before = OAuthKeyRing.LoadOrCreate(data, TimeProvider.System);

        var result = await WardenCli.RunAsync("auth", "rotate-keys", "--data", data);
        var after = OAuthKeyRing.LoadOrCreate(data, TimeProvider.System);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, after.SigningKeys.Count);
        Assert.Equal(2, after.EncryptionKeys.Count);
        Assert.NotEqual(before.SigningKeys[0].KeyId, after.SigningKeys[0].KeyId);
        Assert.Equal(before.SigningKeys[0].KeyId, after.SigningKeys[1].KeyId);
        Assert.All(Directory.GetFiles(OAuthKeyRing.DirectoryFor(data)), f => Assert.Null(OwnerOnlyFile.SharedMode(f)));
    }
}
