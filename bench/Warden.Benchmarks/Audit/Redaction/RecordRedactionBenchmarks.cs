using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Warden.Core.Audit;
using Warden.Core.Audit.Redaction;

namespace Warden.Benchmarks.Audit.Redaction;

/// <summary>
/// Redacting a typical tools/call record's other fields (arguments, name, error, data accessed, agent) against
/// encoding the same record canonically, which every record costs anyway (the baseline).
/// </summary>
[MemoryDiagnoser]
public class RecordRedactionBenchmarks
{
    private readonly SecretRedactor _redactor = SecretRedactor.Create([new Core.Configuration.RedactPattern("acme-key", "acme_[a-z0-9]{24}")]);
    private AuditRecord _record = null!;

    /// <summary>Whether the arguments hold a secret (a password field and a token in a URL).</summary>
    [Params(false, true)]
    public bool WithSecret { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var arguments = new JsonObject
        {
            ["path"] = "/srv/app/src/Program.cs",
            ["query"] = "SELECT id, email FROM customers WHERE created_at > $1 LIMIT 50",
            ["options"] = new JsonObject { ["recursive"] = true, ["maxDepth"] = 3, ["include"] = new JsonArray("*.cs", "*.json") },
            ["url"] = WithSecret ? "https://api.example.com/v1/items?access_token=Zx81kd0s9qLmT4" : "https://api.example.com/v1/items?page=2",
            ["password"] = WithSecret ? "correct-horse-battery" : null,
        };
        _record = new AuditRecord
        {
            Id = "0193a1b2-c3d4-7e5f-8a9b-000000000001",
            Timestamp = DateTimeOffset.UnixEpoch,
            Source = AuditSource.Mcp,
            SessionId = "sess-1",
            RequestId = "42",
            Input = new AuditInput { Method = "tools/call", Name = "read_file", Server = "files", Arguments = arguments },
            Output = new AuditOutput { Content = "{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}", ContentSha256 = new string('a', 64) },
            DataAccessed = [new AuditResource { Kind = AuditResourceKind.File, Value = "/srv/app/src/Program.cs" }, new AuditResource { Kind = AuditResourceKind.SqlTable, Value = "customers" }],
            Model = new AuditModelIdentity { Agent = "claude-code", AgentVersion = "2.0.14" },
            User = new AuditUserIdentity { Subject = "alice", Roles = ["developer"], AuthMethod = "oidc" },
            Decision = new AuditDecision { Effect = AuditEffect.Allow, Reason = "no policy configured" },
            PrevHash = AuditRecord.GenesisPrevHash,
        };
    }

    [Benchmark(Baseline = true)]
    public byte[] Encode() => AuditRecordEncoder.Canonicalize(_record);

    [Benchmark]
    public AuditRecord Redact() => AuditRecordRedaction.Apply(_record, _redactor, new RedactionTally());
}
