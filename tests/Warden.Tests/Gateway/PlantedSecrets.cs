using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Tests.Gateway;

/// <summary>
/// A fresh secret of every kind the redactor knows (new random values each run, so a hit can only come from this
/// run), and the text and JSON an agent or a tool would carry them in.
/// </summary>
internal sealed class PlantedSecrets
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string Lower = "abcdefghijklmnopqrstuvwxyz0123456789";
    private readonly Random _random = new();

    public PlantedSecrets()
    {
        var body = Enumerable.Range(0, 4).Select(_ => Random(64, Alnum + "+/")).ToList();
        PrivateKeyLines = body;
        PrivateKey = "-----BEGIN RSA PRIVATE KEY-----\n" + string.Join("\n", body) + "\n-----END RSA PRIVATE KEY-----";
        Values =
        [
            ("aws-access-key-id", "AKIA" + Random(16, Upper)),
            ("aws-secret-access-key", Random(40, Alnum + "+/")),
            ("github-token", "ghp_" + Random(36, Alnum)),
            ("github-token", "gho_" + Random(36, Alnum)),
            ("github-token", "ghs_" + Random(36, Alnum)),
            ("github-token", "ghu_" + Random(36, Alnum)),
            ("github-token", "github_pat_" + Random(22, Alnum) + "_" + Random(59, Alnum)),
            ("gitlab-token", "glpat-" + Random(20, Alnum)),
            ("slack-token", "xoxb-" + Random(12, "0123456789") + "-" + Random(13, "0123456789") + "-" + Random(24, Alnum)),
            ("slack-token", "xoxp-" + Random(12, "0123456789") + "-" + Random(12, "0123456789") + "-" + Random(32, Lower)),
            ("slack-webhook", WebhookPrefix + "T" + Random(10, Upper) + "/B" + Random(10, Upper) + "/" + Random(24, Alnum)),
            ("jwt", JwtHeader + Random(40, Alnum) + "." + Random(43, Alnum + "-_")),
            ("url-password", Random(18, Alnum)),
            ("connection-string-password", Random(18, Alnum)),
            ("secret-assignment", Random(20, Alnum)),
            ("secret-assignment", Random(20, Alnum)),
            ("bearer-token", Random(32, Alnum)),
            ("acme-key", "acme_" + Random(24, Lower)),
            ("secret-field", Random(32, Alnum)),
            ("secret-field", "pw-" + Random(10, Alnum)),
            ("secret-assignment", Random(24, Alnum)),
            ("url-password", Random(18, Alnum)),
            ("secret-assignment", Random(24, Alnum)),
            ("warden-api-key", "wdn_" + Random(12, "abcdefghijklmnopqrstuvwxyz234567") + "_" + Random(43, Alnum)),
        ];
    }

    /// <summary>The custom pattern the configuration adds (audit.redact).</summary>
    public const string CustomPatternYaml = """
        audit:
          redact:
            - { name: acme-key, pattern: 'acme_[a-z0-9]{24}' }
        """;

    /// <summary>Every secret by the rule that should mask it (the private key separately).</summary>
    public IReadOnlyList<(string Rule, string Value)> Values { get; }

    public string PrivateKey { get; }

    public IReadOnlyList<string> PrivateKeyLines { get; }

    /// <summary>
    /// Every string that must never appear: each value, each line of the key's body, and every 12 characters of them
    /// (so a secret cut in two by a rule, or escaped in JSON, is caught by its random parts). Constant parts (the JWT
    /// header, the webhook host) are not secrets and are left out.
    /// </summary>
    public IEnumerable<string> Forbidden => Values.Select(v => v.Value.Replace(JwtHeader, "", StringComparison.Ordinal).Replace(WebhookPrefix, "", StringComparison.Ordinal))
        .Concat(PrivateKeyLines)
        .SelectMany(s => Enumerable.Range(0, Math.Max(1, s.Length - 11)).Select(i => s.Substring(i, Math.Min(12, s.Length))).Prepend(s))
        .Distinct();

    private const string JwtHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ";
    private const string WebhookPrefix = "https://hooks.slack.com/services/";

    /// <summary>The rule names a fully redacted record set must show.</summary>
    public IEnumerable<string> Rules => Values.Select(v => v.Rule).Append("private-key").Distinct();

    private string V(int i) => Values[i].Value;

    /// <summary>All text-borne secrets in the contexts they are found in: env lines, YAML, headers, URLs, prose.</summary>
    public string Text => new StringBuilder()
        .Append("aws_access_key_id = ").Append(V(0)).Append('\n')
        .Append("aws_secret_access_key = ").Append(V(1)).Append('\n')
        .Append("GITHUB_TOKEN=").Append(V(2)).Append('\n')
        .Append("tokens: ").Append(V(3)).Append(' ').Append(V(4)).Append(' ').Append(V(5)).Append(" and ").Append(V(6)).Append('\n')
        .Append("gitlab ").Append(V(7)).Append(", slack ").Append(V(8)).Append(" / ").Append(V(9)).Append('\n')
        .Append("webhook ").Append(V(10)).Append('\n')
        .Append(PrivateKey).Append('\n')
        .Append("session=").Append(V(11)).Append('\n')
        .Append("DATABASE_URL=postgres://app:").Append(V(12)).Append("@db.internal:5432/app\n")
        .Append("ConnectionStrings__Main=\"Server=db;Database=app;User Id=sa;Password=").Append(V(13)).Append(";\"\n")
        .Append("DB_PASSWORD=").Append(V(14)).Append('\n')
        .Append("database:\n  api_key: ").Append(V(15)).Append('\n')
        .Append("Authorization: Bearer ").Append(V(16)).Append('\n')
        .Append("the acme key is ").Append(V(17)).Append('\n')
        .Append("WARDEN_KEY was ").Append(Values[^1].Value).Append(" in the CI log\n")
        .ToString();

    /// <summary>Secrets in JSON fields whose names say so, and a URL whose query carries a token (data accessed).</summary>
    public JsonObject Fields => new()
    {
        ["client_secret"] = V(18),
        ["password"] = V(19),
        ["callback"] = "https://hooks.example.com/cb?access_token=" + V(20),
    };

    /// <summary>A resource URI with a password and a token in it.</summary>
    public string ResourceUri => $"https://ops:{V(21)}@files.example.com/report.csv?token={V(22)}";

    private string Random(int length, string alphabet) => string.Create(length, (this, alphabet), static (span, state) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = state.alphabet[state.Item1._random.Next(state.alphabet.Length)];
        }
    });
}
