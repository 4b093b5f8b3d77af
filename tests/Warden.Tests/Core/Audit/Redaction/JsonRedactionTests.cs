using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Redaction;

namespace Warden.Tests.Core.Audit.Redaction;

/// <summary>JSON keeps its shape and keys; every string is redacted as text, and secret-named fields lose values that look like credentials.</summary>
public sealed class JsonRedactionTests
{
    private static readonly string Document = $$"""
        {"user": "alice", "password": "hunter2", "max_tokens": 4096, "token_type": "Bearer", "nextPageToken": "CAUQAA",
         "client_secret": "{{Secrets.Opaque}}", "headers": {"Authorization": "Bearer 7d9f1c2e4b6a8d0f1e3c5a7b9d2f4e6a", "Accept": "application/json"},
         "apiKey": "${API_KEY}", "notes": "password is rotated monthly", "sha": "3f786850e387550fdab836ed7e6dc881de23001b",
         "credentials": {"username": "svc-deploy", "secret": "s3cr3t-Value-With-Entropy-991"}, "db": {"user": "app", "password": 482916},
         "{{Secrets.GitHubPat}}": 1, "env": ["HOME=/home/alice", "GITHUB_TOKEN={{Secrets.GitHubPat}}"], "pem": "{{Secrets.PrivateKey.Replace("\n", "\\n", StringComparison.Ordinal)}}"}
        """;

    public static TheoryData<string, string> HiddenFromTheRawBytes => new()
    {
        // A \u escape can spell a trigger word, an escaped slash a URL; non-ASCII text is not checked on its bytes.
        { "{\"text\": \"\\u0067" + Secrets.GitHubPat[1..] + "\"}", "github-token" },
        { "{\"url\": \"https:\\/\\/deploy:Zq8vN2xK7pLm@db.internal\\/app\"}", "url-password" },
        { "{\"note\": \"café " + Secrets.GitHubPat + "\"}", "github-token" },
        { "{\"Api-Key\": \"7d9f1c2e4b6a8d0f1e3c5a7b9d2f4e6a\"}", SecretRedactor.SecretFieldRule },
        { "{\"pa\\u0073sword\": \"hunter2\"}", SecretRedactor.SecretFieldRule },
    };

    [Theory]
    [MemberData(nameof(HiddenFromTheRawBytes))]
    public void RedactJsonUtf8_SecretsTheRawBytesHideBehindEscapesOrNonAscii_AreStillFound(string json, string rule)
    {
        var tally = new RedactionTally();

        var redacted = SecretRedactor.Default.RedactJsonUtf8(Encoding.UTF8.GetBytes(json), tally);

        Assert.NotNull(redacted);
        Assert.True(tally.ToDictionary()?.ContainsKey(rule), $"{rule} did not fire on {json}");
    }

    [Fact]
    public void RedactJsonUtf8_LargeCleanAsciiResult_IsLeftAsItIs()
    {
        var lines = string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i:x8} 0123456789abcdefghij ABCDEF status ok\\n"));
        Assert.True(lines.Length > 100_000);
        var json = $$"""{"content":[{"type":"text","text":"{{lines}}"}],"isError":false}""";

        Assert.Null(SecretRedactor.Default.RedactJsonUtf8(Encoding.UTF8.GetBytes(json), new RedactionTally()));
    }

    [Fact]
    public void RedactJson_Document_MasksSecretValuesKeepsKeysShapeAndOtherValues()
    {
        var original = JsonNode.Parse(Document)!;
        var before = original.ToJsonString();
        var tally = new RedactionTally();

        var redacted = SecretRedactor.Default.RedactJson(original, tally)!;

        Assert.Equal("[REDACTED:secret-field]", redacted["password"]!.GetValue<string>());
        Assert.Equal("[REDACTED:secret-field]", redacted["client_secret"]!.GetValue<string>());
        Assert.Equal("[REDACTED:secret-field]", redacted["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal("[REDACTED:secret-field]", redacted["credentials"]!["secret"]!.GetValue<string>());
        Assert.Equal("GITHUB_TOKEN=[REDACTED:github-token]", redacted["env"]![1]!.GetValue<string>());
        Assert.Equal("[REDACTED:private-key]", redacted["pem"]!.GetValue<string>());
        Assert.Equal("[REDACTED:secret-field]", redacted["db"]!["password"]!.GetValue<string>());

        // Not secrets: numbers, short or wordy values in token-ish fields, placeholders, prose, digests, names.
        Assert.Equal(4096, redacted["max_tokens"]!.GetValue<int>());
        Assert.Equal("Bearer", redacted["token_type"]!.GetValue<string>());
        Assert.Equal("CAUQAA", redacted["nextPageToken"]!.GetValue<string>());
        Assert.Equal("${API_KEY}", redacted["apiKey"]!.GetValue<string>());
        Assert.Equal("password is rotated monthly", redacted["notes"]!.GetValue<string>());
        Assert.Equal("3f786850e387550fdab836ed7e6dc881de23001b", redacted["sha"]!.GetValue<string>());
        Assert.Equal("svc-deploy", redacted["credentials"]!["username"]!.GetValue<string>());
        Assert.Equal("HOME=/home/alice", redacted["env"]![0]!.GetValue<string>());

        // Keys are kept (even one that is a token: masking keys could merge members), order too; the original is untouched.
        Assert.Equal(original.AsObject().Select(p => p.Key), redacted.AsObject().Select(p => p.Key));
        Assert.Equal(before, original.ToJsonString());
        Assert.Equal(new Dictionary<string, int> { ["github-token"] = 1, ["private-key"] = 1, ["secret-field"] = 5 }, tally.ToDictionary());
    }

    [Fact]
    public void RedactJson_NothingSecret_ReturnsTheSameNode()
    {
        var node = JsonNode.Parse("""{"path": "/srv/app/README.md", "limit": 10, "tags": ["a", "b"], "token_count": "12"}""");
        var tally = new RedactionTally();

        Assert.Same(node, SecretRedactor.Default.RedactJson(node, tally));
        Assert.Equal(0, tally.Total);
    }

    [Fact]
    public void RedactJsonUtf8_AgreesWithTheNodeRedaction()
    {
        var bytes = Encoding.UTF8.GetBytes(Document);
        var tally = new RedactionTally();

        var redacted = SecretRedactor.Default.RedactJsonUtf8(bytes, tally);

        Assert.NotNull(redacted);
        Assert.Equal(SecretRedactor.Default.RedactJson(JsonNode.Parse(Document))!.ToJsonString(), JsonNode.Parse(redacted)!.ToJsonString());
        Assert.Equal(7, tally.Total);
        Assert.Null(SecretRedactor.Default.RedactJsonUtf8("""{"content":[{"type":"text","text":"plain <b>result</b> & more"}]}"""u8));
    }

    [Fact]
    public void RedactJsonUtf8_NotJson_IsRedactedAsText()
    {
        var redacted = SecretRedactor.Default.RedactJsonUtf8(Encoding.UTF8.GetBytes("not json: token=" + Secrets.Opaque));

        Assert.Equal("not json: token=[REDACTED:secret-assignment]", Encoding.UTF8.GetString(redacted!));
    }

    [Fact]
    public void FromJsonUtf8_SecretInResult_HashCoversTheRedactedWholeNotTheOriginal()
    {
        var result = $$"""{"content":[{"type":"text","text":"{{new string('x', 30)}} deploy key {{Secrets.GitLab}} {{new string('y', 50)}}"}]}""";
        var tally = new RedactionTally();

        var output = AuditOutput.FromJsonUtf8(Encoding.UTF8.GetBytes(result), 40, SecretRedactor.Default, tally);

        var redactedWhole = result.Replace(Secrets.GitLab, "[REDACTED:gitlab-token]", StringComparison.Ordinal);
        Assert.True(output.Truncated);
        Assert.Equal(redactedWhole[..40], output.Content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(redactedWhole))), output.ContentSha256);
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(result))), output.ContentSha256);
        Assert.Equal(1, tally.Total);
    }

    [Fact]
    public void FromContent_WithRedactor_KeepsAndHashesTheRedactedText()
    {
        var text = "deploy with " + Secrets.SlackBot + " then report";
        var tally = new RedactionTally();

        var output = AuditOutput.FromContent(text, 1000, SecretRedactor.Default, tally);

        Assert.Equal("deploy with [REDACTED:slack-token] then report", output.Content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(output.Content!))), output.ContentSha256);
        Assert.Equal(1, tally.Total);
    }

    [Fact]
    public void RedactLine_KeyPrintedOverSeveralLines_MasksFromBeginToEnd()
    {
        var inKey = false;
        var lines = ("before " + Secrets.PrivateKey + " after\nlater").Split('\n');

        var redacted = lines.Select(line => SecretRedactor.Default.RedactLine(line, ref inKey)).ToList();

        Assert.Equal("before [REDACTED:private-key]", redacted[0]);
        Assert.All(redacted.Skip(1).Take(lines.Length - 3), line => Assert.Equal("[REDACTED:private-key]", line));
        Assert.Equal("[REDACTED:private-key] after", redacted[^2]);
        Assert.Equal("later", redacted[^1]);
        Assert.False(inKey);
    }
}
