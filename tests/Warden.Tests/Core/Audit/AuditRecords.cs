using System.Text.Json.Nodes;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>Builds audit records and sealed logs for tests.</summary>
internal static class AuditRecords
{
    public static readonly DateTimeOffset Epoch = new(2025, 11, 24, 9, 30, 0, TimeSpan.Zero);

    /// <summary>A fully populated record (every optional field set), not yet sealed.</summary>
    public static AuditRecord Sample(int n = 1) => new()
    {
        Id = $"0193a1b2-c3d4-7e5f-8a9b-{n:x12}",
        Timestamp = Epoch.AddTicks(n * 12_345_670L),
        DurationMicros = 1500 + n,
        Source = AuditSource.Mcp,
        SessionId = "sess-1",
        RequestId = $"req-{n}",
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        Input = new AuditInput
        {
            Method = "tools/call",
            Name = "postgres__query",
            Arguments = new JsonObject { ["sql"] = "SELECT email FROM customers WHERE id = $1", ["params"] = new JsonArray(n, 2.5, "x") },
            Prompt = "find the customer's email",
        },
        Output = new AuditOutput
        {
            Content = "alice@example.com",
            Truncated = false,
            ContentSha256 = "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976",
            Error = null,
            ExitCode = 0,
        },
        DataAccessed =
        [
            new AuditResource { Kind = AuditResourceKind.SqlTable, Value = "public.customers", Rows = 1 },
            new AuditResource { Kind = AuditResourceKind.SqlColumn, Value = "customers.email", Attributes = new Dictionary<string, string> { ["access"] = "read", ["Access"] = "R" } },
        ],
        Model = new AuditModelIdentity { Model = "claude-sonnet-4-5", Agent = "claude-code", AgentVersion = "2.0.14" },
        User = new AuditUserIdentity { Subject = "alice", DisplayName = "Alice Ng", Roles = ["developer", "support"], AuthMethod = "oidc" },
        Decision = new AuditDecision { Effect = AuditEffect.Allow, RuleIds = ["db-read"], Reason = "developers may read customers", Mode = AuditMode.Enforce },
    };

    /// <summary>A minimal record: only required fields.</summary>
    public static AuditRecord Minimal(int n) => new()
    {
        Id = $"id-{n}",
        Timestamp = Epoch.AddSeconds(n),
        Source = AuditSource.Hook,
        Input = new AuditInput { Method = "Bash", Arguments = new JsonObject { ["command"] = $"echo {n}" } },
        User = new AuditUserIdentity { Subject = "bob", AuthMethod = "api_key" },
        Decision = new AuditDecision { Effect = n % 5 == 0 ? AuditEffect.Deny : AuditEffect.Allow },
    };

    /// <summary>A chained log of <paramref name="count"/> records, seq 1..count.</summary>
    public static List<AuditRecord> Log(int count)
    {
        var records = new List<AuditRecord>(count);
        var prev = AuditRecord.GenesisPrevHash;
        for (var i = 1; i <= count; i++)
        {
            var record = AuditRecordEncoder.Seal(i % 3 == 0 ? Sample(i) : Minimal(i), i, prev);
            records.Add(record);
            prev = record.Hash;
        }

        return records;
    }

    /// <summary>Re-seals <paramref name="records"/> from <paramref name="from"/> on, renumbering and rechaining as a careful attacker would.</summary>
    public static List<AuditRecord> Rechain(IReadOnlyList<AuditRecord> records, int from = 0)
    {
        var result = records.Take(from).ToList();
        var prev = from == 0 ? AuditRecord.GenesisPrevHash : result[^1].Hash;
        for (var i = from; i < records.Count; i++)
        {
            var record = AuditRecordEncoder.Seal(records[i], i + 1, prev);
            result.Add(record);
            prev = record.Hash;
        }

        return result;
    }

    /// <summary>The signed checkpoint of the first <paramref name="size"/> records.</summary>
    public static string Checkpoint(IReadOnlyList<AuditRecord> records, long size, NoteSigner signer)
    {
        var tree = new CompactMerkleTree();
        foreach (var record in records.Take((int)size))
        {
            tree.AppendData(AuditRecordEncoder.Canonicalize(record));
        }

        return new Checkpoint(signer.Name, size, tree.Root()).Sign(signer);
    }

    public static async IAsyncEnumerable<T> Stream<T>(IEnumerable<T> records)
    {
        foreach (var record in records)
        {
            await Task.Yield();
            yield return record;
        }
    }
}
