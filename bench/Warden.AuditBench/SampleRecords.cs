using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;

namespace Warden.AuditBench;

/// <summary>
/// Records shaped like the gateway's: a tool call with arguments, a capped output with its SHA-256, the data it
/// touched, the caller and the decision. Deterministic for a given index so runs compare.
/// </summary>
internal static class SampleRecords
{
    private static readonly string[] Servers = ["postgres", "github", "filesystem", "slack", "jira", "snowflake", "s3", "search", "mail", "k8s"];
    private static readonly string[] Tables = ["customers", "orders", "invoices", "products", "payments", "users", "events", "tickets", "shipments", "refunds"];
    private static readonly string[] Roles = ["engineering", "analyst-standard", "analyst-elevated", "support", "compliance"];

    /// <summary>How a record's output is sized.</summary>
    public enum Mix
    {
        /// <summary>Every output about 300 bytes.</summary>
        Small,

        /// <summary>As the end-to-end benchmark: 80% small, 20% an output capped at <c>maxOutputChars</c> (16,384).</summary>
        E2e,
    }

    private static readonly string SmallOutput = string.Concat(Enumerable.Repeat("row 1: alice@example.com, 2025-11-01, EUR 120.00; ", 6));
    private static readonly string LargeOutput = BuildLarge(16_384);

    public static AuditRecord Create(long n, DateTimeOffset timestamp, Mix mix)
    {
        var server = Servers[n % Servers.Length];
        var table = Tables[(n / 3) % Tables.Length];
        var large = mix == Mix.E2e && n % 5 == 4;
        var content = large ? LargeOutput : SmallOutput;
        return new AuditRecord
        {
            Id = Guid.CreateVersion7(timestamp).ToString(),
            Timestamp = timestamp,
            DurationMicros = 800 + (n % 1000),
            Source = AuditSource.Mcp,
            SessionId = $"s-{n / 50:x8}",
            RequestId = (n % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            Input = new AuditInput
            {
                Method = "tools/call",
                Server = server,
                Name = server == "postgres" ? "query" : "read_file",
                Arguments = server == "postgres"
                    ? new JsonObject { ["sql"] = $"SELECT id, email, country FROM {table} WHERE created_at > now() - interval '7 days' LIMIT 50" }
                    : new JsonObject { ["path"] = $"/srv/app/src/module{n % 97}/file{n % 13}.cs" },
            },
            Output = new AuditOutput
            {
                Content = content,
                Truncated = large,
                ContentSha256 = large ? "9c1185a5c5e9fc54612808977ee8f548b2258d31b5b7c6c1d6f6c2b8c4e3f2a1" : "5f2b1c0e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c",
            },
            DataAccessed = server == "postgres"
                ? [
                    new AuditResource { Kind = AuditResourceKind.SqlTable, Value = $"public.{table}", Rows = 50 },
                    new AuditResource { Kind = AuditResourceKind.SqlColumn, Value = $"{table}.email" },
                ]
                : [new AuditResource { Kind = AuditResourceKind.File, Value = $"/srv/app/src/module{n % 97}/file{n % 13}.cs" }],
            Model = new AuditModelIdentity { Model = "claude-sonnet-4-5", Agent = "claude-code", AgentVersion = "2.0.14" },
            User = new AuditUserIdentity { Subject = $"user{n % 200:D3}", Roles = [Roles[n % Roles.Length]], AuthMethod = "oidc" },
            Decision = new AuditDecision { Effect = n % 50 == 0 ? AuditEffect.Deny : AuditEffect.Allow, RuleIds = ["default"], Mode = AuditMode.Enforce },
        };
    }

    private static string BuildLarge(int chars)
    {
        var text = new StringBuilder(chars + 64);
        var line = 0;
        while (text.Length < chars)
        {
            text.Append(Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(line++)))).Append('\n');
        }

        return text.ToString(0, chars);
    }
}
