using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

public sealed class AuditRecordEncoderTests
{
    [Fact]
    public void Canonicalize_SampleRecord_MatchesDocumentedEncoding()
    {
        var record = AuditRecordEncoder.Seal(AuditRecords.Sample(), 1, AuditRecord.GenesisPrevHash);

        var canonical = Encoding.UTF8.GetString(AuditRecordEncoder.Canonicalize(record));

        // The worked example in docs/audit-record.md; change both together.
        Assert.Equal(ExpectedSample, canonical);
        Assert.Equal(ExpectedSampleHash, record.Hash);
        Assert.Equal(ExpectedSampleHash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        Assert.Equal("e411a190f33641a5bcf4bca70cb614c02fed7296ccb74c44f50e7f253dcc3f25", Convert.ToHexStringLower(MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record))));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(9L)]
    [InlineData(10L)]
    [InlineData(99_999L)]
    [InlineData(1L << 40)]
    public void SealPrepared_AtAnySeq_IsExactlyTheSealedRecordsEncodingAndLeaf(long seq)
    {
        var prevHash = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(seq)));
        var scratch = new System.Buffers.ArrayBufferWriter<byte>(16);
        foreach (var record in new[] { AuditRecords.Sample(3), AuditRecords.Minimal(4), AuditRecords.Sample(5) with { Output = null, RequestId = null } })
        {
            var expected = AuditRecordEncoder.Seal(record, seq, prevHash);

            var sealedRecord = AuditRecordEncoder.Seal(AuditRecordEncoder.Prepare(record), seq, prevHash, scratch, out var leaf, out var encoded);

            Assert.Equal(expected, sealedRecord with { DataAccessed = expected.DataAccessed, User = expected.User, Decision = expected.Decision });
            Assert.Equal(expected.Hash, sealedRecord.Hash);
            Assert.Equal(Encoding.UTF8.GetString(AuditRecordEncoder.Encode(expected)), Encoding.UTF8.GetString(encoded));
            Assert.Equal(MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(expected)), leaf);
        }
    }

    [Fact]
    public void Prepare_ArgumentsCanonicalJsonCannotHold_KeepsThemAsTextAndTheRecordVerifies()
    {
        // A client can send a number beyond a double's range and unpaired surrogates (as JSON escapes).
        var record = AuditRecords.Sample() with
        {
            Input = new AuditInput
            {
                Method = "tools/call",
                Name = "lone\ud800",
                Arguments = JsonNode.Parse("""{"huge": 1e400, "text": "a\udc00b"}"""),
            },
        };
        Assert.Throws<ArgumentException>(() => AuditRecordEncoder.Encode(record));

        var sealedRecord = AuditRecordEncoder.Seal(AuditRecordEncoder.Prepare(record), 1, AuditRecord.GenesisPrevHash, new(16), out _, out var encoded);

        var decoded = AuditRecordDecoder.Decode(encoded);
        Assert.Equal(sealedRecord.Hash, AuditRecordEncoder.ComputeHash(decoded));
        var argumentsText = decoded.Input.Arguments!.GetValue<string>();
        Assert.Contains("1e400", argumentsText, StringComparison.Ordinal);
        Assert.Contains("\\uDC00", argumentsText, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("lone\uFFFD", decoded.Input.Name);
    }

    [Fact]
    public void Canonicalize_AnyRecord_EqualsJcsOfItsJsonWithoutHash()
    {
        // What a third-party verifier does: parse the stored JSON, drop "hash", canonicalise with any RFC 8785 library.
        foreach (var record in AuditRecords.Log(12))
        {
            var json = JsonNode.Parse(AuditRecordEncoder.Encode(record))!.AsObject();
            Assert.Equal(record.Hash, json["hash"]!.GetValue<string>());
            json.Remove("hash");

            Assert.Equal(AuditRecordEncoder.Canonicalize(record), JsonCanonicalizer.Canonicalize(json));
        }
    }

    [Fact]
    public void Encode_ThenDecode_RoundTripsEveryByte()
    {
        foreach (var record in AuditRecords.Log(12))
        {
            var encoded = AuditRecordEncoder.Encode(record);

            var decoded = AuditRecordDecoder.Decode(encoded);

            Assert.Equal(encoded, AuditRecordEncoder.Encode(decoded));
            Assert.Equal(record.Hash, AuditRecordEncoder.ComputeHash(decoded));
        }
    }

    [Fact]
    public void Timestamp_SubMicrosecondTicks_AreDroppedAndUtcKept()
    {
        var record = AuditRecords.Minimal(1) with { Timestamp = new DateTimeOffset(2025, 1, 2, 4, 5, 6, TimeSpan.FromHours(2)).AddTicks(1234567) };

        var json = JsonNode.Parse(AuditRecordEncoder.Encode(record))!;

        Assert.Equal("2025-01-02T02:05:06.123456Z", json["timestamp"]!.GetValue<string>());
        Assert.Equal(TimeSpan.Zero, record.Timestamp.Offset);
    }

    [Fact]
    public void Seal_ChangesAnyField_ChangesHash()
    {
        var sealedRecord = AuditRecordEncoder.Seal(AuditRecords.Sample(), 7, AuditRecord.GenesisPrevHash);
        AuditRecord[] variants =
        [
            sealedRecord with { Seq = 8 },
            sealedRecord with { DurationMicros = sealedRecord.DurationMicros + 1 },
            sealedRecord with { User = sealedRecord.User with { Roles = ["developer"] } },
            sealedRecord with { Decision = sealedRecord.Decision with { Mode = AuditMode.Monitor } },
            sealedRecord with { Output = sealedRecord.Output! with { Truncated = true } },
            sealedRecord with { DataAccessed = sealedRecord.DataAccessed.Take(1).ToArray() },
            sealedRecord with { Input = sealedRecord.Input with { Arguments = new JsonObject { ["sql"] = "SELECT 1" } } },
            sealedRecord with { PrevHash = new string('1', 64) },
        ];

        foreach (var variant in variants)
        {
            Assert.NotEqual(sealedRecord.Hash, AuditRecordEncoder.ComputeHash(variant));
        }
    }

    [Fact]
    public void NewId_IsVersion7GuidSortedByTime()
    {
        var clock = new ManualClock(AuditRecords.Epoch);
        var first = AuditRecord.NewId(clock);
        clock.Now = AuditRecords.Epoch.AddMilliseconds(1);
        var second = AuditRecord.NewId(clock);

        Assert.Equal(7, Guid.Parse(first).Version);
        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.Equal(first.ToLowerInvariant(), first);
    }

    [Theory]
    [InlineData("\"schema_version\":1", "\"schema_version\":2", "schema_version 2")]
    [InlineData("\"seq\":1,", "\"seq\":1,\"extra\":true,", "unknown field(s) extra")]
    [InlineData("\"timestamp\":\"2025-11-24T09:30:01.234567Z\"", "\"timestamp\":\"2025-11-24T09:30:01Z\"", "microseconds")]
    [InlineData("\"source\":\"mcp\"", "\"source\":\"ftp\"", "Unknown audit source 'ftp'")]
    [InlineData("\"seq\":1,", "\"seq\":\"1\",", "record.seq must be an integer")]
    [InlineData("\"subject\":\"alice\"", "\"subjekt\":\"alice\"", "user.subject is missing")]
    public void Decode_AlteredJson_ThrowsSayingWhatIsWrong(string original, string altered, string expectedMessage)
    {
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(AuditRecordEncoder.Seal(AuditRecords.Sample(), 1, AuditRecord.GenesisPrevHash)));
        Assert.Contains(original, json);

        var error = Assert.Throws<FormatException>(() => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json.Replace(original, altered, StringComparison.Ordinal))));

        Assert.Contains(expectedMessage, error.Message);
    }

    [Fact]
    public void FromContent_LongerThanCap_TruncatesAndHashesWhole()
    {
        var content = new string('a', 9) + "\ud83d\ude02" + "tail";

        var output = AuditOutput.FromContent(content, 10);

        Assert.True(output.Truncated);
        Assert.Equal(new string('a', 9), output.Content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))), output.ContentSha256);
        Assert.False(AuditOutput.FromContent("short", 10).Truncated);
    }

    private const string ExpectedSampleHash = "ce69b3f8faee555edbc627250438c0d6413633db2213702dc2bb422a831d5535";

    private const string ExpectedSample =
        """
        {"data":[{"kind":"sql_table","rows":1,"value":"public.customers"},{"attributes":{"Access":"R","access":"read"},"kind":"sql_column","value":"customers.email"}],"decision":{"effect":"allow","mode":"enforce","reason":"developers may read customers","rule_ids":["db-read"]},"duration_us":1501,"id":"0193a1b2-c3d4-7e5f-8a9b-000000000001","input":{"arguments":{"params":[1,2.5,"x"],"sql":"SELECT email FROM customers WHERE id = $1"},"method":"tools/call","name":"postgres__query","prompt":"find the customer's email"},"model":{"agent":"claude-code","agent_version":"2.0.14","model":"claude-sonnet-4-5"},"output":{"content":"alice@example.com","content_sha256":"ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976","exit_code":0,"truncated":false},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","request_id":"req-1","schema_version":1,"seq":1,"session_id":"sess-1","source":"mcp","timestamp":"2025-11-24T09:30:01.234567Z","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","user":{"auth_method":"oidc","display_name":"Alice Ng","roles":["developer","support"],"subject":"alice"}}
        """;

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
