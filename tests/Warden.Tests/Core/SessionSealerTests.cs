using System.Buffers.Text;
using System.Security.Cryptography;
using Warden.Core.Sessions;

namespace Warden.Tests.Core;

public sealed class SessionSealerTests
{
    private static readonly SessionTicket Ticket = new()
    {
        Id = "abc",
        Route = "github",
        Subject = "alice",
        ProtocolVersion = "2025-11-25",
        UpstreamSessions = new() { ["github"] = "upstream-1" },
        IssuedAtUnixSeconds = 1_700_000_000,
    };

    [Fact]
    public void Open_SealedTicket_RoundTrips()
    {
        var sealer = new SessionSealer(RandomNumberGenerator.GetBytes(32));

        var opened = sealer.Open(sealer.Seal(Ticket));

        Assert.NotNull(opened);
        Assert.Equal("alice", opened.Subject);
        Assert.Equal("upstream-1", opened.UpstreamSessions!["github"]);
    }

    [Fact]
    public void Open_AnyByteFlipped_ReturnsNull()
    {
        var sealer = new SessionSealer(RandomNumberGenerator.GetBytes(32));
        var bytes = Base64Url.DecodeFromChars(sealer.Seal(Ticket));

        for (var i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            Assert.Null(sealer.Open(Base64Url.EncodeToString(copy)));
        }
    }

    [Fact]
    public void Open_OtherKey_ReturnsNull()
    {
        var id = new SessionSealer(RandomNumberGenerator.GetBytes(32)).Seal(Ticket);

        Assert.Null(new SessionSealer(RandomNumberGenerator.GetBytes(32)).Open(id));
        Assert.Null(new SessionSealer(RandomNumberGenerator.GetBytes(32)).Open("garbage!"));
    }
}
