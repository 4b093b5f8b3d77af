using Warden.Core.Naming;

namespace Warden.Tests.Core;

public sealed class QualifiedNameTests
{
    [Theory]
    [InlineData("github", "create_issue")]
    [InlineData("fs", "read__file")]
    [InlineData("my-server", "x")]
    public void Split_OfJoin_GivesBackBothParts(string server, string name)
    {
        Assert.True(QualifiedName.TrySplit(QualifiedName.Join(server, name), out var s, out var n));
        Assert.Equal((server, name), (s, n));
    }

    [Theory]
    [InlineData("nounderscores")]
    [InlineData("__leading")]
    [InlineData("trailing__")]
    public void Split_WithoutServerAndName_Fails(string qualified) => Assert.False(QualifiedName.TrySplit(qualified, out _, out _));

    [Theory]
    [InlineData("a__b", false)]
    [InlineData("_a", false)]
    [InlineData("a_", false)]
    [InlineData("good-name_1", true)]
    [InlineData("has space", false)]
    public void ServerName_Rules(string name, bool valid) => Assert.Equal(valid, ServerName.IsValid(name));
}
