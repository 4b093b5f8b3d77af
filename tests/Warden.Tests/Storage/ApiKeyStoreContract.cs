using System.Security.Cryptography;
using Warden.Core.Identity;

namespace Warden.Tests.Storage;

/// <summary>
/// What every <see cref="IApiKeyStore"/> must do, whatever it stores in. A provider's test class derives from this and
/// says how to open its store on one fresh location per test; a second open reaches the same location, as another
/// process (the CLI beside <c>serve</c>) or another replica would.
/// </summary>
public abstract class ApiKeyStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Opens the store on this test's location (each call a new, independent instance).</summary>
    protected abstract Task<IApiKeyStore> OpenAsync();

    private static ApiKey Key(string id, ApiKeyKind kind = ApiKeyKind.ServiceAccount, DateTimeOffset? expires = null) => new()
    {
        Id = id,
        Kind = kind,
        Name = "ci-bot",
        Subject = kind == ApiKeyKind.Admin ? "admin" : "ci-bot",
        OnBehalfOf = kind == ApiKeyKind.ServiceAccount ? "alice" : null,
        Roles = ["engineering", "ci"],
        Servers = ["github", "build-*"],
        Tools = ["create_*"],
        Hash = RandomNumberGenerator.GetBytes(32),
        Created = Now,
        CreatedBy = "ops",
        Expires = expires,
    };

    [Fact]
    public async Task Add_ThenFind_ReturnsEveryFieldAsStored()
    {
        var store = await OpenAsync();
        var key = Key("aaaaaaaaaaaa", expires: Now.AddDays(90));

        Assert.True(await store.AddAsync(key, default));
        var found = await (await OpenAsync()).FindAsync(key.Id, default);

        Assert.NotNull(found);
        Assert.Equal(key.Kind, found.Kind);
        Assert.Equal((key.Name, key.Subject, key.OnBehalfOf, key.CreatedBy), (found.Name, found.Subject, found.OnBehalfOf, found.CreatedBy));
        Assert.Equal(key.Roles, found.Roles);
        Assert.Equal(key.Servers, found.Servers);
        Assert.Equal(key.Tools, found.Tools);
        Assert.Equal(key.Hash, found.Hash);
        Assert.Equal(key.Created, found.Created);
        Assert.Equal(key.Expires, found.Expires);
        Assert.Null(found.LastUsed);
        Assert.Null(found.Revoked);
    }

    [Fact]
    public async Task Add_DuplicateId_ReturnsFalseAndKeepsTheFirst()
    {
        var store = await OpenAsync();
        var first = Key("bbbbbbbbbbbb");
        Assert.True(await store.AddAsync(first, default));

        Assert.False(await store.AddAsync(Key("bbbbbbbbbbbb") with { Name = "other" }, default));
        Assert.Equal(first.Hash, (await store.FindAsync(first.Id, default))!.Hash);
    }

    [Fact]
    public async Task Find_UnknownId_ReturnsNull()
    {
        var store = await OpenAsync();
        Assert.Null(await store.FindAsync("zzzzzzzzzzzz", default));
    }

    [Fact]
    public async Task Revoke_SeenByAnotherInstanceAtOnce_AndKeepsTheFirstRevocation()
    {
        var writer = await OpenAsync();
        var reader = await OpenAsync();
        await writer.AddAsync(Key("cccccccccccc"), default);
        Assert.Null((await reader.FindAsync("cccccccccccc", default))!.Revoked);

        var revoked = await writer.RevokeAsync("cccccccccccc", Now.AddHours(1), "ops", default);
        var again = await writer.RevokeAsync("cccccccccccc", Now.AddHours(2), "someone-else", default);

        Assert.Equal(Now.AddHours(1), revoked!.Revoked);
        Assert.Equal((Now.AddHours(1), "ops"), (again!.Revoked, again.RevokedBy));
        Assert.Equal(Now.AddHours(1), (await reader.FindAsync("cccccccccccc", default))!.Revoked);
        Assert.Null(await writer.RevokeAsync("nonexistent00", Now, "ops", default));
    }

    [Fact]
    public async Task List_ActiveOnlyUnlessAsked_OldestFirst()
    {
        var store = await OpenAsync();
        await store.AddAsync(Key("dddddddddddd") with { Created = Now.AddMinutes(2) }, default);
        await store.AddAsync(Key("eeeeeeeeeeee") with { Created = Now.AddMinutes(1) }, default);
        await store.RevokeAsync("dddddddddddd", Now.AddMinutes(3), "ops", default);

        Assert.Equal(["eeeeeeeeeeee"], (await store.ListAsync(includeRevoked: false, default)).Select(k => k.Id));
        Assert.Equal(["eeeeeeeeeeee", "dddddddddddd"], (await store.ListAsync(includeRevoked: true, default)).Select(k => k.Id));
    }

    [Fact]
    public async Task Touch_SetsLastUsed_NeverMovesItBack()
    {
        var store = await OpenAsync();
        await store.AddAsync(Key("ffffffffffff"), default);

        await store.TouchAsync("ffffffffffff", Now.AddMinutes(5), default);
        await store.TouchAsync("ffffffffffff", Now.AddMinutes(1), default);

        Assert.Equal(Now.AddMinutes(5), (await store.FindAsync("ffffffffffff", default))!.LastUsed);
    }

    [Fact]
    public async Task AddFirstAdmin_OnlyOnce_EvenFromTwoInstancesAtOnce()
    {
        var (a, b) = (await OpenAsync(), await OpenAsync());

        var results = await Task.WhenAll(
            a.AddFirstAdminAsync(Key("gggggggggggg", ApiKeyKind.Admin), default).AsTask(),
            b.AddFirstAdminAsync(Key("hhhhhhhhhhhh", ApiKeyKind.Admin), default).AsTask());

        Assert.Single(results, added => added);
        Assert.Single(await a.ListAsync(includeRevoked: true, default), k => k.Kind == ApiKeyKind.Admin);

        // Revoked or not, an admin key existed: a later start makes none.
        await a.RevokeAsync((await a.ListAsync(true, default)).Single().Id, Now, "ops", default);
        Assert.False(await a.AddFirstAdminAsync(Key("iiiiiiiiiiii", ApiKeyKind.Admin), default));
    }

    [Fact]
    public async Task ReplaceAdmin_RevokesEveryActiveAdminKey_LeavesOtherKeys()
    {
        var store = await OpenAsync();
        await store.AddFirstAdminAsync(Key("jjjjjjjjjjjj", ApiKeyKind.Admin), default);
        await store.AddAsync(Key("kkkkkkkkkkkk"), default);

        var revoked = await store.ReplaceAdminAsync(Key("mmmmmmmmmmmm", ApiKeyKind.Admin), Now, "ops", default);

        Assert.Equal(["jjjjjjjjjjjj"], revoked);
        var active = await store.ListAsync(includeRevoked: false, default);
        Assert.Equal(["kkkkkkkkkkkk", "mmmmmmmmmmmm"], active.Select(k => k.Id).Order());
    }

    [Fact]
    public async Task Delete_RemovesTheKey()
    {
        var store = await OpenAsync();
        await store.AddAsync(Key("nnnnnnnnnnnn"), default);

        Assert.True(await store.DeleteAsync("nnnnnnnnnnnn", default));
        Assert.False(await store.DeleteAsync("nnnnnnnnnnnn", default));
        Assert.Null(await store.FindAsync("nnnnnnnnnnnn", default));
    }
}
