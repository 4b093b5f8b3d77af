using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Redaction;

namespace Warden.Tests.Core.Audit.Redaction;

/// <summary>Every field built from client or upstream data is redacted before sealing, and the record says which rules fired.</summary>
public sealed class AuditRecordRedactionTests
{
    [Fact]
    public void Apply_SecretsInEveryClientField_AreMaskedAndCounted()
    {
        var record = AuditRecords.Minimal(1) with
        {
            RequestId = "req-" + Secrets.Opaque.Replace("R", "token=", StringComparison.Ordinal),
            Input = new AuditInput
            {
                Method = "tools/call",
                Name = "postgres://app:pw0rd42@db/app",
                Arguments = new JsonObject { ["q"] = "key " + Secrets.AwsKeyId },
                Prompt = "use " + Secrets.GitHubPat,
            },
            Output = new AuditOutput { Error = "-32000: upstream said " + Secrets.SlackBot, Diff = "+ password: " + "hunter2\n" },
            DataAccessed = [new AuditResource { Kind = "url", Value = "https://api.example.com/v1?api_key=" + Secrets.Opaque, Attributes = new Dictionary<string, string> { ["query"] = Secrets.Jwt } }],
            Model = new AuditModelIdentity { Agent = "agent " + Secrets.GitLab },
            Decision = new AuditDecision { Effect = AuditEffect.Allow, Reason = "ok " + Secrets.GitHubOAuth },
        };

        var redacted = AuditRecordRedaction.Apply(record, SecretRedactor.Default, new RedactionTally());
        var sealedRecord = AuditRecordEncoder.Seal(redacted, 1, AuditRecord.GenesisPrevHash);
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(sealedRecord));

        foreach (var secret in new[] { "pw0rd42", Secrets.AwsKeyId, Secrets.GitHubPat, Secrets.SlackBot, "hunter2", Secrets.Opaque, Secrets.Jwt, Secrets.GitLab, Secrets.GitHubOAuth })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }

        Assert.Equal("postgres://app:[REDACTED:url-password]@db/app", redacted.Input.Name);
        Assert.Equal(10, redacted.Redactions!.Values.Sum());
        Assert.Contains("\"redactions\":{", json, StringComparison.Ordinal);
        Assert.Equal(sealedRecord.Hash, AuditRecordEncoder.ComputeHash(AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void Apply_NothingSecret_LeavesNoRedactionsField()
    {
        var redacted = AuditRecordRedaction.Apply(AuditRecords.Sample(), SecretRedactor.Default, new RedactionTally());
        var sealedRecord = AuditRecordEncoder.Seal(redacted, 1, AuditRecord.GenesisPrevHash);

        Assert.Null(redacted.Redactions);
        Assert.Equal(AuditRecordEncoder.Seal(AuditRecords.Sample(), 1, AuditRecord.GenesisPrevHash).Hash, sealedRecord.Hash);
    }

    [Theory]
    [InlineData("\"redactions\":{\"jwt\":1}", "\"redactions\":{\"jwt\":0}", "redactions.jwt must appear once")]
    [InlineData("\"redactions\":{\"jwt\":1}", "\"redactions\":{\"jwt\":\"1\"}", "redactions.jwt must be an integer")]
    [InlineData("\"redactions\":{\"jwt\":1}", "\"redactions\":{}", "must be absent when nothing was redacted")]
    [InlineData("\"redactions\":{\"jwt\":1}", "\"redactions\":[\"jwt\"]", "redactions must be an object")]
    public void Decode_AlteredRedactions_ThrowsSayingWhatIsWrong(string original, string altered, string expected)
    {
        var record = AuditRecordEncoder.Seal(AuditRecords.Sample() with { Redactions = new Dictionary<string, int> { ["jwt"] = 1 } }, 1, AuditRecord.GenesisPrevHash);
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record));
        Assert.Contains(original, json, StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json.Replace(original, altered, StringComparison.Ordinal))));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_Redactions_SitBetweenPrevHashAndRequestIdSortedByRule()
    {
        var record = AuditRecordEncoder.Seal(AuditRecords.Sample() with { Redactions = new Dictionary<string, int> { ["url-password"] = 2, ["aws-access-key-id"] = 1 } }, 1, AuditRecord.GenesisPrevHash);

        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Canonicalize(record));

        Assert.Contains("\"prev_hash\":\"" + AuditRecord.GenesisPrevHash + "\",\"redactions\":{\"aws-access-key-id\":1,\"url-password\":2},\"request_id\":", json, StringComparison.Ordinal);
        Assert.Equal(JsonCanonicalizer.Canonicalize(JsonNode.Parse(json)!), AuditRecordEncoder.Canonicalize(record));
    }
}
