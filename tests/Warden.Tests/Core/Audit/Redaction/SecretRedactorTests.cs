using Warden.Core.Audit.Redaction;
using Warden.Core.Configuration;

namespace Warden.Tests.Core.Audit.Redaction;

/// <summary>Each built-in rule masks exactly the secret (context kept, a marker naming the rule), and near misses stay as they are.</summary>
public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("private-key", "key:\n" + Secrets.PrivateKey + "\ndone", "key:\n[REDACTED:private-key]\ndone")]
    [InlineData("private-key", "cut off: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9u", "cut off: [REDACTED:private-key]")]
    [InlineData("aws-access-key-id", "aws_access_key_id = " + Secrets.AwsKeyId, "aws_access_key_id = [REDACTED:aws-access-key-id]")]
    [InlineData("aws-secret-access-key", "aws_secret_access_key = " + Secrets.AwsSecret + "\n", "aws_secret_access_key = [REDACTED:aws-secret-access-key]\n")]
    [InlineData("aws-secret-access-key", "{\"SecretAccessKey\": \"" + Secrets.AwsSecret + "\"}", "{\"SecretAccessKey\": \"[REDACTED:aws-secret-access-key]\"}")]
    [InlineData("github-token", "export GH=" + Secrets.GitHubPat + ";", "export GH=[REDACTED:github-token];")]
    [InlineData("github-token", "oauth " + Secrets.GitHubOAuth + " app " + Secrets.GitHubApp + " user " + Secrets.GitHubUser, "oauth [REDACTED:github-token] app [REDACTED:github-token] user [REDACTED:github-token]")]
    [InlineData("github-token", "fine-grained: " + Secrets.GitHubFineGrained, "fine-grained: [REDACTED:github-token]")]
    [InlineData("gitlab-token", "PRIVATE-TOKEN header was " + Secrets.GitLab + ".", "PRIVATE-TOKEN header was [REDACTED:gitlab-token].")]
    [InlineData("warden-api-key", "WARDEN_KEY was " + Secrets.WardenKey + " in the CI log", "WARDEN_KEY was [REDACTED:warden-api-key] in the CI log")]
    [InlineData("slack-token", "bot: " + Secrets.SlackBot, "bot: [REDACTED:slack-token]")]
    [InlineData("slack-webhook", "post to " + Secrets.SlackWebhook + " now", "post to [REDACTED:slack-webhook] now")]
    [InlineData("jwt", "cookie session=" + Secrets.Jwt + "; Path=/", "cookie session=[REDACTED:jwt]; Path=/")]
    [InlineData("bearer-token", "Authorization: Bearer " + Secrets.Opaque, "Authorization: Bearer [REDACTED:bearer-token]")]
    [InlineData("url-password", "postgres://app:S3cr3t!pw@db.internal:5432/app", "postgres://app:[REDACTED:url-password]@db.internal:5432/app")]
    [InlineData("url-password", "redis://:hunter2hunter2@cache:6379", "redis://:[REDACTED:url-password]@cache:6379")]
    [InlineData("connection-string-password", "Server=db;Database=app;User Id=sa;Password=Tr0ub4dor&3 x;", "Server=db;Database=app;User Id=sa;Password=[REDACTED:connection-string-password];")]
    [InlineData("connection-string-password", "Password='a;b c';Host=db", "Password=[REDACTED:connection-string-password];Host=db")]
    [InlineData("connection-string-password", "Host=db;Username=app;Pwd=hunter2horse", "Host=db;Username=app;Pwd=[REDACTED:connection-string-password]")]
    [InlineData("secret-assignment", "DB_PASSWORD=correct-horse-battery\nAPI_KEY=Zx81kd0s9\n", "DB_PASSWORD=[REDACTED:secret-assignment]\nAPI_KEY=[REDACTED:secret-assignment]\n")]
    [InlineData("secret-assignment", "database:\n  password: hunter2\n  client_secret: '9f8e 7d6c'\n", "database:\n  password: [REDACTED:secret-assignment]\n  client_secret: '[REDACTED:secret-assignment]'\n")]
    [InlineData("secret-assignment", "{\"api_key\": \"abc123def456\", \"n\": 1}", "{\"api_key\": \"[REDACTED:secret-assignment]\", \"n\": 1}")]
    [InlineData("secret-assignment", "{\\\"Secret\\\":\\\"s3cr3t\\\"}", "{\\\"Secret\\\":\\\"[REDACTED:secret-assignment]\\\"}")]
    [InlineData("secret-assignment", "{\"text\":\"db:\\n  api_key: Zx81kd0s9q\\n  token: ab12cd34\"}", "{\"text\":\"db:\\n  api_key: [REDACTED:secret-assignment]\\n  token: [REDACTED:secret-assignment]\"}")]
    [InlineData("aws-secret-access-key", "{\"text\":\"aws_secret_access_key = El2hpChYgCfrL1spNxnyVmihA\\u002B2O76UMFxFkM\\u002BR5\\n\"}", "{\"text\":\"aws_secret_access_key = [REDACTED:aws-secret-access-key]\\n\"}")]
    [InlineData("secret-assignment", "{\"text\":\"password=a\\\\b\\u0026c\\nnext\"}", "{\"text\":\"password=[REDACTED:secret-assignment]\\nnext\"}")]
    [InlineData("secret-assignment", "GET /v1/items?access_token=abcdef123456&page=2", "GET /v1/items?access_token=[REDACTED:secret-assignment]&page=2")]
    [InlineData("secret-assignment", "SECRET_KEY=django-insecure-8x!k", "SECRET_KEY=[REDACTED:secret-assignment]")]
    public void Redact_BuiltInRule_MasksTheSecretAndKeepsItsContext(string rule, string text, string expected)
    {
        var tally = new RedactionTally();

        var redacted = SecretRedactor.Default.Redact(text, tally);

        Assert.Equal(expected, redacted);
        Assert.Equal([rule], tally.ToDictionary()!.Keys);
        Assert.Equal(SecretRedactor.Default.Redact(redacted), redacted);
    }

    [Theory]
    [InlineData(Secrets.EnvExample)]
    [InlineData("commit 3f786850e387550fdab836ed7e6dc881de23001b\nMerge: 8d1f0c2 a4b5c6d\n")]
    [InlineData("If you forget your password, reset it: we email a link. Passwords must have 12 characters.")]
    [InlineData("Please enter your password: it is case-sensitive, and the token bucket refills every second.")]
    [InlineData("PWD=/home/alice/project\nOLDPWD=/home/alice\nSHELL=/bin/bash\n")]
    [InlineData("max_tokens=4096, temperature=0.2, token_count: 17 of 20")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----")]
    [InlineData("see https://example.com:8443/path?x=1 and ssh://git@example.com/org/repo.git")]
    [InlineData("ghp_short is not a token, nor is xoxb-123 or glpat-abc")]
    [InlineData("Bearer tokens go in the Authorization header; the bearer of this note is welcome.")]
    [InlineData("request 550e8400-e29b-41d4-a716-446655440000 took 12 ms")]
    [InlineData("password_hash: $argon2id$v=19$m=65536\npassword_min_length = 12")]
    public void Redact_NearMiss_IsLeftAlone(string text)
    {
        var tally = new RedactionTally();

        Assert.Same(text, SecretRedactor.Default.Redact(text, tally));
        Assert.Equal(0, tally.Total);
    }

    [Fact]
    public void Redact_SeveralSecrets_TallyNamesRulesAndCountsNeverValues()
    {
        var text = $"a={Secrets.GitHubPat} b={Secrets.GitHubOAuth} c={Secrets.AwsKeyId}";
        var tally = new RedactionTally();

        var redacted = SecretRedactor.Default.Redact(text, tally);

        Assert.Equal("a=[REDACTED:github-token] b=[REDACTED:github-token] c=[REDACTED:aws-access-key-id]", redacted);
        Assert.Equal(new Dictionary<string, int> { ["aws-access-key-id"] = 1, ["github-token"] = 2 }, tally.ToDictionary());
        Assert.Equal(3, tally.Total);
    }

    [Fact]
    public void Redact_LongTextWithSecretsFarApart_FindsEach()
    {
        var filler = string.Concat(Enumerable.Repeat("plain words and https://example.com/links, nothing secret here\n", 2000));
        var text = filler + Secrets.SlackBot + "\n" + filler + "password=" + Secrets.Opaque + "\n" + filler;

        var tally = new RedactionTally();
        var redacted = SecretRedactor.Default.Redact(text, tally);

        Assert.Equal(new Dictionary<string, int> { ["secret-assignment"] = 1, ["slack-token"] = 1 }, tally.ToDictionary());
        Assert.DoesNotContain(Secrets.SlackBot, redacted);
        Assert.DoesNotContain(Secrets.Opaque, redacted);
        Assert.Equal(text.Length - Secrets.SlackBot.Length - Secrets.Opaque.Length + "[REDACTED:slack-token]".Length + "[REDACTED:secret-assignment]".Length, redacted.Length);
    }

    [Fact]
    public void Create_CustomPattern_MasksItsSecretGroupOrWholeMatch()
    {
        var redactor = SecretRedactor.Create([new RedactPattern("acme-key", "acme_[a-z0-9]{24}"), new RedactPattern("employee-pin", @"PIN (?<secret>\d{6})")]);
        var tally = new RedactionTally();

        var redacted = redactor.Redact("key acme_0123456789abcdefghijklmn, PIN 123456.", tally);

        Assert.Equal("key [REDACTED:acme-key], PIN [REDACTED:employee-pin].", redacted);
        Assert.Equal(new Dictionary<string, int> { ["acme-key"] = 1, ["employee-pin"] = 1 }, tally.ToDictionary());
        Assert.Same("acme_short", SecretRedactor.Default.Redact("acme_short"));
    }

    [Fact]
    public void Create_PatternNeedingBacktracking_RunsWithATimeLimitAndMasksWholeTextWhenItRunsOut()
    {
        // A lookahead cannot run on the linear-time engine; this one also backtracks exponentially on the input.
        var redactor = SecretRedactor.Create([new RedactPattern("slow", @"(?=a)(a+)+b")]);
        var tally = new RedactionTally();

        var redacted = redactor.Redact(new string('a', 64) + "!", tally);

        Assert.Equal("[REDACTED:slow]", redacted);
        Assert.Equal(1, tally.Total);
        Assert.Equal("x[REDACTED:slow]y", redactor.Redact("xaaby"));
    }

    [Theory]
    [InlineData("acme_[a-z", "is not a valid regular expression")]
    [InlineData("(unclosed", "is not a valid regular expression")]
    [InlineData("x*", "matches the empty string")]
    public void PatternProblem_BadPattern_SaysWhatIsWrong(string pattern, string expected) =>
        Assert.Contains(expected, SecretRedactor.PatternProblem(pattern));

    [Theory]
    [InlineData("RHHJEYXg4JdpmrcXgGCJbW56eCuNGM", true)]
    [InlineData("Bearer 7d9f1c2e4b6a8d0f1e3c5a7b9d2f4e6a", true)]
    [InlineData("550e8400-e29b-41d4-a716-446655440000", true)]
    [InlineData("next-page-token-value", false)]
    [InlineData("CAUQAA", false)]
    [InlineData("2024-01-01T00:00:00Z", false)]
    [InlineData("correct horse battery staple", false)]
    [InlineData("${GITHUB_TOKEN}", false)]
    public void LooksRandom_TellsCredentialsFromWords(string value, bool expected) =>
        Assert.Equal(expected, SecretFields.LooksRandom(value));
}
