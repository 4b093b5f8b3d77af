using System.Security.Cryptography;
using System.Text;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>A record keeps a prefix of the output and a hash of all of it, whether the output came as text or bytes.</summary>
public sealed class AuditOutputTests
{
    [Theory]
    [InlineData("short", 100)]
    [InlineData("ünïcödé and 😀 emoji spill over the cap", 12)]
    [InlineData("😀😀😀😀", 3)]
    [InlineData("abc", 0)]
    public void FromUtf8_MatchesFromContent(string text, int maxChars)
    {
        var fromText = AuditOutput.FromContent(text, maxChars);
        var fromBytes = AuditOutput.FromUtf8(Encoding.UTF8.GetBytes(text), maxChars);

        Assert.Equal(fromText, fromBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), fromBytes.ContentSha256);
    }

    [Fact]
    public void FromUtf8_LongOutput_KeepsAValidPrefixAndMarksItTruncated()
    {
        var text = string.Concat(Enumerable.Repeat("ß€😀", 5000));

        var output = AuditOutput.FromUtf8(Encoding.UTF8.GetBytes(text), 1001);

        Assert.True(output.Truncated);
        Assert.True(output.Content!.Length <= 1001);
        Assert.StartsWith(output.Content, text, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', output.Content);
    }
}
