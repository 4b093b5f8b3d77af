using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>
/// RFC 8785 examples and the test data of its reference implementation (github.com/cyberphone/json-canonicalization,
/// testdata/input + testdata/output, and the deterministic ES6 number corpus described in testdata/README.md).
/// </summary>
public sealed class JsonCanonicalizerTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(JsonNode.Parse(json)));

    [Fact]
    public void Canonicalize_Rfc8785Section322Example_MatchesRfcOutput()
    {
        // RFC 8785 §3.2.2 / cyberphone testdata values.json.
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        var output = JsonCanonicalizer.Canonicalize(JsonNode.Parse(input));

        Assert.Equal("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", Encoding.UTF8.GetString(output));
        // The RFC also gives the UTF-8 bytes: the euro sign travels as UTF-8 (e2 82 ac) at offset 0x5c.
        Assert.Equal(Convert.FromHexString("e282ac24"), output.AsSpan(0x5c, 4).ToArray());
    }

    [Fact]
    public void Canonicalize_Rfc8785Section323Sorting_SortsByUtf16CodeUnits()
    {
        // RFC 8785 §3.2.3 / cyberphone testdata weird.json: the surrogate pair (U+1F602) sorts by its UTF-16 code
        // units, i.e. before U+FB33 even though its code point is larger.
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\u000a": "Newline",
              "1": "One",
              "\u0080": "Control\u007f",
              "\ud83d\ude02": "Smiley",
              "\u00f6": "Latin Small Letter O With Diaeresis",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "</script>": "Browser Challenge"
            }
            """;

        Assert.Equal(
            "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u0080\":\"Control\u007f\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude02\":\"Smiley\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
            Canonical(input));
    }

    [Theory]
    // cyberphone testdata: arrays.json, structures.json, french.json, unicode.json.
    [InlineData("[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": [ ]\n  }\n]", "[56,{\"1\":[],\"10\":null,\"d\":true}]")]
    [InlineData("{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ {\"e\": \"yes\",\"E\": \"no\" } ],\n  \"A\": { }\n}", "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{\"E\":\"no\",\"e\":\"yes\"}],\"A\":{},\"a\":{}}")]
    [InlineData("{\n  \"peach\": \"This sorting order\",\n  \"péché\": \"is wrong according to French\",\n  \"pêche\": \"but canonicalization MUST\",\n  \"sin\":   \"ignore locale\"\n}", "{\"peach\":\"This sorting order\",\"péché\":\"is wrong according to French\",\"pêche\":\"but canonicalization MUST\",\"sin\":\"ignore locale\"}")]
    [InlineData("{\n  \"Unnormalized Unicode\":\"A\\u030a\"\n}", "{\"Unnormalized Unicode\":\"A\u030a\"}")]
    public void Canonicalize_ReferenceTestData_MatchesExpectedOutput(string input, string expected)
    {
        Assert.Equal(expected, Canonical(input));
    }

    [Theory]
    // RFC 8785 Appendix B: IEEE-754 bit patterns and their ES serialisation.
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void FormatNumber_Rfc8785AppendixB_MatchesEcmaScript(string ieeeHex, string expected)
    {
        var value = BitConverter.Int64BitsToDouble(long.Parse(ieeeHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        Assert.Equal(expected, EcmaScriptNumber.Format(value));
    }

    [Theory]
    [InlineData("7fffffffffffffff")]
    [InlineData("7ff0000000000000")]
    [InlineData("fff0000000000000")]
    public void FormatNumber_NaNOrInfinity_Throws(string ieeeHex)
    {
        var value = BitConverter.Int64BitsToDouble(long.Parse(ieeeHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        Assert.Throws<ArgumentOutOfRangeException>(() => EcmaScriptNumber.Format(value));
    }

    [Theory]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123e-20, "1.23e-18")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.1, "0.1")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(100.0, "100")]
    [InlineData(1e15, "1000000000000000")]
    [InlineData(1.25e-6, "0.00000125")]
    [InlineData(9007199254740991d, "9007199254740991")]
    [InlineData(123456789012345678d, "123456789012345680")]
    [InlineData(1152921504606846976d, "1152921504606847000")]
    [InlineData(-42d, "-42")]
    public void FormatNumber_LayoutBoundaries_MatchEcmaScript(double value, string expected)
    {
        Assert.Equal(expected, EcmaScriptNumber.Format(value));
    }

    [Theory]
    // Checksums from cyberphone/json-canonicalization testdata/README.md for the first N lines of the
    // deterministic corpus "hex-ieee,expected\n" (static edge cases, 2000 subnormal-boundary values, then
    // doubles drawn from a SHA-256 chain).
    [InlineData(1000, "be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687")]
    [InlineData(100_000, "22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7")]
    [InlineData(1_000_000, "49415fee2c56c77864931bd3624faad425c3c577d6d74e89a83bc725506dad16")]
    public void FormatNumber_Es6NumberCorpus_MatchesPublishedChecksum(int lines, string sha256)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new StringBuilder();
        foreach (var bits in Es6Corpus().Take(lines))
        {
            line.Clear();
            line.Append(bits.ToString("x", CultureInfo.InvariantCulture)).Append(',')
                .Append(EcmaScriptNumber.Format(BitConverter.UInt64BitsToDouble(bits))).Append('\n');
            hash.AppendData(Encoding.ASCII.GetBytes(line.ToString()));
        }

        Assert.Equal(sha256, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public void Canonicalize_ControlCharactersAndSeparators_EscapesOnlyWhatRfcRequires()
    {
        var node = new JsonArray("\u0000\u0001\u001f\u007f\u2028/<>&'\b\f\t");

        Assert.Equal("[\"\\u0000\\u0001\\u001f\u007f\u2028/<>&'\\b\\f\\t\"]", Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(node)));
    }

    [Fact]
    public void Canonicalize_LoneSurrogate_Throws()
    {
        Assert.Throws<ArgumentException>(() => JsonCanonicalizer.Canonicalize(JsonValue.Create("a\ud800b")));
    }

    [Fact]
    public void Canonicalize_NumberOverflowingDouble_Throws()
    {
        Assert.Throws<ArgumentException>(() => JsonCanonicalizer.Canonicalize(JsonNode.Parse("[1e400]")));
    }

    [Fact]
    public void Canonicalize_ClrTypedValues_MatchParsedEquivalents()
    {
        var built = new JsonObject
        {
            ["z"] = 1.5m,
            ["a"] = 42,
            ["m"] = 0.1f,
            ["l"] = 9007199254740992L,
            ["s"] = "x",
            ["b"] = false,
        };

        Assert.Equal(Canonical("""{"z":1.50,"a":42.0,"m":0.1,"l":9007199254740992,"s":"x","b":false}"""), Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(built)));
    }

    [Fact]
    public void Canonicalize_NullNode_WritesNullLiteral()
    {
        Assert.Equal("null"u8.ToArray(), JsonCanonicalizer.Canonicalize(null));
    }

    /// <summary>The corpus generator from testdata/README.md, re-expressed: the same doubles in the same order.</summary>
    private static IEnumerable<ulong> Es6Corpus()
    {
        foreach (var bits in StaticCorpusValues)
        {
            yield return bits;
        }

        for (ulong i = 0; i < 2000; i++)
        {
            yield return 0x0010000000000000UL + i;
        }

        var block = new byte[32];
        while (true)
        {
            block = SHA256.HashData(block);
            for (var offset = 0; offset < 32; offset += 8)
            {
                var bits = BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(offset));
                var value = BitConverter.UInt64BitsToDouble(bits);
                if (value != 0 && double.IsFinite(value))
                {
                    yield return bits;
                }
            }
        }
    }

    private static readonly ulong[] StaticCorpusValues =
    [
        0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x8000000000000001,
        0xc46696695dbd1cc3, 0xc43211ede4974a35, 0xc3fce97ca0f21056, 0xc3c7213080c1a6ac,
        0xc39280f39a348556, 0xc35d9b1f5d20d557, 0xc327af4c4a80aaac, 0xc2f2f2a36ecd5556,
        0xc2be51057e155558, 0xc28840d131aaaaac, 0xc253670dc1555557, 0xc21f0b4935555557,
        0xc1e8d5d42aaaaaac, 0xc1b3de4355555556, 0xc17fca0555555556, 0xc1496e6aaaaaaaab,
        0xc114585555555555, 0xc0e046aaaaaaaaab, 0xc0aa0aaaaaaaaaaa, 0xc074d55555555555,
        0xc040aaaaaaaaaaab, 0xc00aaaaaaaaaaaab, 0xbfd5555555555555, 0xbfa1111111111111,
        0xbf6b4e81b4e81b4f, 0xbf35d867c3ece2a5, 0xbf0179ec9cbd821e, 0xbecbf647612f3696,
        0xbe965e9f80f29212, 0xbe61e54c672874db, 0xbe2ca213d840baf8, 0xbdf6e80fe033c8c6,
        0xbdc2533fe68fd3d2, 0xbd8d51ffd74c861c, 0xbd5774ccac3d3817, 0xbd22c3d6f030f9ac,
        0xbcee0624b3818f79, 0xbcb804ea293472c7, 0xbc833721ba905bd3, 0xbc4ebe9c5db3c61e,
        0xbc18987d17c304e5, 0xbbe3ad30dfcf371d, 0xbbaf7b816618582f, 0xbb792f9ab81379bf,
        0xbb442615600f9499, 0xbb101e77800c76e1, 0xbad9ca58cce0be35, 0xbaa4a1e0a3e6fe90,
        0xba708180831f320d, 0xba3a68cd9e985016, 0x446696695dbd1cc3, 0x443211ede4974a35,
        0x43fce97ca0f21056, 0x43c7213080c1a6ac, 0x439280f39a348556, 0x435d9b1f5d20d557,
        0x4327af4c4a80aaac, 0x42f2f2a36ecd5556, 0x42be51057e155558, 0x428840d131aaaaac,
        0x4253670dc1555557, 0x421f0b4935555557, 0x41e8d5d42aaaaaac, 0x41b3de4355555556,
        0x417fca0555555556, 0x41496e6aaaaaaaab, 0x4114585555555555, 0x40e046aaaaaaaaab,
        0x40aa0aaaaaaaaaaa, 0x4074d55555555555, 0x4040aaaaaaaaaaab, 0x400aaaaaaaaaaaab,
        0x3fd5555555555555, 0x3fa1111111111111, 0x3f6b4e81b4e81b4f, 0x3f35d867c3ece2a5,
        0x3f0179ec9cbd821e, 0x3ecbf647612f3696, 0x3e965e9f80f29212, 0x3e61e54c672874db,
        0x3e2ca213d840baf8, 0x3df6e80fe033c8c6, 0x3dc2533fe68fd3d2, 0x3d8d51ffd74c861c,
        0x3d5774ccac3d3817, 0x3d22c3d6f030f9ac, 0x3cee0624b3818f79, 0x3cb804ea293472c7,
        0x3c833721ba905bd3, 0x3c4ebe9c5db3c61e, 0x3c18987d17c304e5, 0x3be3ad30dfcf371d,
        0x3baf7b816618582f, 0x3b792f9ab81379bf, 0x3b442615600f9499, 0x3b101e77800c76e1,
        0x3ad9ca58cce0be35, 0x3aa4a1e0a3e6fe90, 0x3a708180831f320d, 0x3a3a68cd9e985016,
        0x4024000000000000, 0x4014000000000000, 0x3fe0000000000000, 0x3fa999999999999a,
        0x3f747ae147ae147b, 0x3f40624dd2f1a9fc, 0x3f0a36e2eb1c432d, 0x3ed4f8b588e368f1,
        0x3ea0c6f7a0b5ed8d, 0x3e6ad7f29abcaf48, 0x3e35798ee2308c3a, 0x3ed539223589fa95,
        0x3ed4ff26cd5a7781, 0x3ed4f95a762283ff, 0x3ed4f8c60703520c, 0x3ed4f8b72f19cd0d,
        0x3ed4f8b5b31c0c8d, 0x3ed4f8b58d1c461a, 0x3ed4f8b5894f7f0e, 0x3ed4f8b588ee37f3,
        0x3ed4f8b588e47da4, 0x3ed4f8b588e3849c, 0x3ed4f8b588e36bb5, 0x3ed4f8b588e36937,
        0x3ed4f8b588e368f8, 0x3ed4f8b588e368f1, 0x3ff0000000000000, 0xbff0000000000000,
        0xbfeffffffffffffa, 0xbfeffffffffffffb, 0x3feffffffffffffa, 0x3feffffffffffffb,
        0x3feffffffffffffc, 0x3feffffffffffffe, 0xbfefffffffffffff, 0xbfefffffffffffff,
        0x3fefffffffffffff, 0x3fefffffffffffff, 0x3fd3333333333332, 0x3fd3333333333333,
        0x3fd3333333333334, 0x0010000000000000, 0x000ffffffffffffd, 0x000fffffffffffff,
        0x7fefffffffffffff, 0xffefffffffffffff, 0x4340000000000000, 0xc340000000000000,
        0x4430000000000000, 0x44b52d02c7e14af5, 0x44b52d02c7e14af6, 0x44b52d02c7e14af7,
        0x444b1ae4d6e2ef4e, 0x444b1ae4d6e2ef4f, 0x444b1ae4d6e2ef50, 0x3eb0c6f7a0b5ed8c,
        0x3eb0c6f7a0b5ed8d, 0x41b3de4355555553, 0x41b3de4355555554, 0x41b3de4355555555,
        0x41b3de4355555556, 0x41b3de4355555557, 0xbecbf647612f3696, 0x43143ff3c1cb0959,
    ];
}
