using Warden.Core.Identity;
using Warden.Storage.Sqlite.Identity;

namespace Warden.Tests.Core;

/// <summary>Sealed upstream credentials: they open only for their own server and subject, under their own key.</summary>
public sealed class UpstreamCredentialServiceTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("warden-upstream-credentials-").FullName;
    private SqliteIdentityDatabase _database = null!;

    public async Task InitializeAsync() => _database = await SqliteIdentityDatabase.OpenAsync(Path.Combine(_directory, "identity.db"));

    public Task DisposeAsync()
    {
        _database.Dispose();
        return Task.CompletedTask;
    }

    private UpstreamCredentialService Service(byte fill = 7) =>
        new(new SqliteUpstreamCredentialStore(_database), IdentityKey.FromBytes(Enumerable.Repeat(fill, 32).ToArray()), TimeProvider.System);

    [Fact]
    public async Task Set_ThenOpen_ReturnsTheSecret_ReplacingRotatesIt_ListNeverShowsIt()
    {
        var service = Service();
        Assert.Null(await service.SetAsync("github", "alice", "first-secret", "alice", default));
        Assert.Null(await service.SetAsync("github", "alice", "second-secret", "alice", default));

        Assert.Equal("second-secret", await service.OpenAsync("github", "alice", default));
        Assert.Null(await service.OpenAsync("github", "bob", default));
        var listed = Assert.Single(await service.ListAsync(null, null, default));
        Assert.Equal(("github", "alice", "alice"), (listed.Server, listed.Subject, listed.UpdatedBy));
        Assert.DoesNotContain("secret", listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SealedValue_CopiedToAnotherUsersRow_OrOpenedWithAnotherKey_DoesNotOpen()
    {
        var service = Service();
        var store = new SqliteUpstreamCredentialStore(_database);
        await service.SetAsync("github", "alice", "alice-secret", "alice", default);
        var sealedValue = (await store.GetSealedAsync("github", "alice", default))!;

        // Someone with write access to the database moves alice's sealed token onto bob's row: it must not open for bob.
        await store.SetAsync("github", "bob", sealedValue, DateTimeOffset.UtcNow, "mallory", default);
        Assert.Null(await service.OpenAsync("github", "bob", default));
        Assert.Null(await Service(fill: 9).OpenAsync("github", "alice", default));
        Assert.Equal("alice-secret", await service.OpenAsync("github", "alice", default));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("two\nlines")]
    public async Task Set_UnusableSecret_IsRefusedWithAReason_AndNothingIsStored(string secret)
    {
        var service = Service();
        Assert.NotNull(await service.SetAsync("github", "alice", secret, "alice", default));
        Assert.Empty(await service.ListAsync(null, null, default));
    }
}
