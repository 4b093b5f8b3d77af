using System.Text;
using Warden.Gateway.Mcp;

namespace Warden.Tests.Gateway;

public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"a":"plain"}""", false)]
    [InlineData("""{"a":"\ud83d\ude00 pair"}""", false)]
    [InlineData("""{"a":"\uD83D\uDE00 upper-case pair"}""", false)]
    [InlineData("""{"a":"\\ud800 an escaped backslash, then text"}""", false)]
    [InlineData("""{"a":"\u00e9\n\t\"\\"}""", false)]
    [InlineData("""{"a":"\ud800"}""", true)]
    [InlineData("""{"a":"\udc00 low alone"}""", true)]
    [InlineData("""{"a":"\ud800\u0041 high then not low"}""", true)]
    [InlineData("""{"a":"\ud800\ud800"}""", true)]
    [InlineData("""{"\ud800key":1}""", true)]
    [InlineData("""{"a":"\\\ud800"}""", true)]
    [InlineData("""{"a":"\ud80""", false)]
    public void HasUnpairedSurrogate_FindsOnlyRealUnpairedEscapes(string json, bool expected) =>
        Assert.Equal(expected, JsonText.HasUnpairedSurrogate(Encoding.UTF8.GetBytes(json)));
}
