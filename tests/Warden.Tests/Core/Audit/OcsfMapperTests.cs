using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Ocsf;
using Warden.Core.Audit.Operations;

namespace Warden.Tests.Core.Audit;

/// <summary>Every record becomes one OCSF 1.8.0 event of the class that fits it, with the base attributes OCSF requires.</summary>
public sealed class OcsfMapperTests
{
    private static readonly OcsfMapper Mapper = new(ToolOperations.Default, "9.9.9");

    [Fact]
    public void Map_ToolCall_IsApiActivityWithTheDecisionAndTheAgentInTheAiOperationProfile()
    {
        var record = Record("tools/call", "query", new JsonObject { ["sql"] = "SELECT 1" }) with
        {
            Model = new AuditModelIdentity { Agent = "claude-code", AgentVersion = "2.0.14", Model = "claude-sonnet-4-5" },
            Decision = new AuditDecision { Effect = AuditEffect.Allow, RuleIds = ["db-read", "default-allow"], Reason = "developers may read" },
            DataAccessed = [new AuditResource { Kind = AuditResourceKind.SqlTable, Value = "public.customers" }],
        };

        var e = Mapper.Map(record);

        AssertBase(e, record, 6003, 6, activityId: 99);
        Assert.Equal("query", e["api"]!["operation"]!.GetValue<string>());
        Assert.Equal("db", e["api"]!["service"]!["name"]!.GetValue<string>());
        Assert.Equal("req-7", e["api"]!["request"]!["uid"]!.GetValue<string>());
        var authorizations = e["actor"]!["authorizations"]!.AsArray();
        Assert.Equal(["db-read", "default-allow"], authorizations.Select(a => a!["policy"]!["uid"]!.GetValue<string>()));
        Assert.All(authorizations, a => Assert.Equal("Allowed", a!["decision"]!.GetValue<string>()));
        Assert.Equal("developers may read", authorizations[0]!["policy"]!["desc"]!.GetValue<string>());
        Assert.Equal("claude-code", e["message_context"]!["application"]!["name"]!.GetValue<string>());
        Assert.Equal("2.0.14", e["message_context"]!["application"]!["version"]!.GetValue<string>());
        Assert.Equal("db", e["message_context"]!["service"]!["name"]!.GetValue<string>());
        Assert.Equal(("claude-sonnet-4-5", "Anthropic"), (e["ai_model"]!["name"]!.GetValue<string>(), e["ai_model"]!["ai_provider"]!.GetValue<string>()));
        Assert.Contains("ai_operation", e["metadata"]!["profiles"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal("public.customers", e["resources"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("claude-code", e["src_endpoint"]!["name"]!.GetValue<string>());
        Assert.Equal(("Success", 1), (e["status"]!.GetValue<string>(), e["status_id"]!.GetValue<int>()));
    }

    [Fact]
    public void Map_JustifiedCall_CarriesTheJustificationInTheRequestData()
    {
        var record = Record("tools/call", "lookup_customer", new JsonObject { ["id"] = 7 });
        record = record with { Input = record.Input with { Justification = "Ticket 4711: refund request" } };

        var e = Mapper.Map(record);

        Assert.Equal("Ticket 4711: refund request", e["api"]!["request"]!["data"]!["justification"]!.GetValue<string>());
        Assert.Null(Mapper.Map(Record("tools/call", "lookup_customer", null))["api"]!["request"]!["data"]!["justification"]);
    }

    [Fact]
    public void Map_DeniedCall_IsAFailureWithTheDenyingRule()
    {
        var record = Record("tools/call", "read_text_file", new JsonObject { ["path"] = 42 }) with
        {
            Output = null,
            Decision = new AuditDecision { Effect = AuditEffect.Deny, RuleIds = ["no-dotenv"], Reason = "secrets stay local" },
        };

        var e = Mapper.Map(record);

        AssertBase(e, record, 6003, 6, activityId: 99);
        Assert.Equal(("Failure", 2, 3), (e["status"]!.GetValue<string>(), e["status_id"]!.GetValue<int>(), e["severity_id"]!.GetValue<int>()));
        Assert.Equal("denied by policy: secrets stay local", e["status_detail"]!.GetValue<string>());
        var authorization = Assert.Single(e["actor"]!["authorizations"]!.AsArray());
        Assert.Equal("Denied", authorization!["decision"]!.GetValue<string>());
        Assert.True(authorization["policy"]!["is_applied"]!.GetValue<bool>());
    }

    [Fact]
    public void Map_FileTools_AreFileSystemActivity()
    {
        var write = Record("tools/call", "write_file", new JsonObject { ["path"] = "/srv/app/.env", ["content"] = "X=1\n" });
        var edit = Record("tools/call", "edit_file", new JsonObject { ["path"] = "/srv/a.txt", ["edits"] = new JsonArray(new JsonObject { ["oldText"] = "a", ["newText"] = "b" }) });
        var move = Record("tools/call", "move_file", new JsonObject { ["source"] = "/srv/a.txt", ["destination"] = "/srv/b.txt" });
        var read = Record("tools/call", "read_text_file", new JsonObject { ["path"] = "/srv/b.txt" });

        var (w, ed, m, r) = (Mapper.Map(write), Mapper.Map(edit), Mapper.Map(move), Mapper.Map(read));

        AssertBase(w, write, 1001, 1, activityId: 3);
        Assert.Equal((".env", "/srv/app/.env", 1), (w["file"]!["name"]!.GetValue<string>(), w["file"]!["path"]!.GetValue<string>(), w["file"]!["type_id"]!.GetValue<int>()));
        Assert.Equal("files", w["device"]!["name"]!.GetValue<string>());
        Assert.NotNull(w["actor"]!["authorizations"]);
        AssertBase(ed, edit, 1001, 1, activityId: 3);
        Assert.Contains("-a\n+b\n", ed["file_diff"]!.GetValue<string>());
        AssertBase(m, move, 1001, 1, activityId: 5);
        Assert.Equal("/srv/b.txt", m["file_result"]!["path"]!.GetValue<string>());
        AssertBase(r, read, 1001, 1, activityId: 2);
    }

    [Fact]
    public void Map_AgentBashAndCommandTools_AreProcessActivity()
    {
        var bash = Record("Bash", null, new JsonObject { ["command"] = "rm -rf build" }) with { Source = AuditSource.Hook, Output = new AuditOutput { ExitCode = 1 } };
        var tool = Record("tools/call", "run_command", new JsonObject { ["command"] = "ls -la" });

        var (b, t) = (Mapper.Map(bash), Mapper.Map(tool));

        AssertBase(b, bash, 1007, 1, activityId: 1);
        Assert.Equal("rm -rf build", b["process"]!["cmd_line"]!.GetValue<string>());
        Assert.Equal(bash.Id, b["process"]!["uid"]!.GetValue<string>());
        Assert.Equal(1, b["exit_code"]!.GetValue<int>());
        Assert.Equal("agent", b["device"]!["name"]!.GetValue<string>());
        AssertBase(t, tool, 1007, 1, activityId: 1);
    }

    [Fact]
    public void Map_Login_IsAuthentication()
    {
        var login = Record("login", null, null) with { Source = AuditSource.Auth, Output = null };
        var failed = login with { Output = new AuditOutput { Error = "invalid token" }, Decision = new AuditDecision { Effect = AuditEffect.Deny } };

        var (ok, bad) = (Mapper.Map(login), Mapper.Map(failed));

        AssertBase(ok, login, 3002, 3, activityId: 1);
        Assert.Equal("alice", ok["user"]!["uid"]!.GetValue<string>());
        Assert.Equal(4, ok["auth_protocol_id"]!.GetValue<int>());
        Assert.Equal("warden", ok["service"]!["name"]!.GetValue<string>());
        AssertBase(bad, failed, 3002, 3, activityId: 1);
        Assert.Equal(2, bad["status_id"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("auth/login", AuditEffect.Allow, 1, 1)]
    [InlineData("auth/login_failed", AuditEffect.Deny, 1, 2)]
    [InlineData("auth/refused", AuditEffect.Deny, 1, 2)]
    [InlineData("auth/token", AuditEffect.Allow, 3, 1)]
    [InlineData("auth/key/create", AuditEffect.Allow, 99, 1)]
    public void Map_WardenIdentityEvents_AreAuthenticationWithActivityAndStatus(string method, AuditEffect effect, int activityId, int statusId)
    {
        var record = Record(method, null, null) with { Source = AuditSource.Auth, Output = null, Decision = new AuditDecision { Effect = effect, Reason = "why" } };

        var e = Mapper.Map(record);

        AssertBase(e, record, 3002, 3, activityId);
        Assert.Equal(statusId, e["status_id"]!.GetValue<int>());
    }

    [Fact]
    public void Map_ListAndInitialize_AreApiReadAndOther()
    {
        var list = Record("tools/list", null, null);
        var initialize = Record("initialize", null, null) with { Input = new AuditInput { Method = "initialize" } };

        AssertBase(Mapper.Map(list), list, 6003, 6, activityId: 2);
        var e = Mapper.Map(initialize);
        AssertBase(e, initialize, 6003, 6, activityId: 99);
        Assert.Equal("initialize", e["activity_name"]!.GetValue<string>());
        Assert.Equal("warden", e["api"]!["service"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Map_RecordWithRedactions_KeepsTheCountsByRuleUnmapped()
    {
        var plain = Record("tools/call", "query", new JsonObject { ["sql"] = "SELECT 1" });
        var redacted = plain with { Redactions = new Dictionary<string, int> { ["url-password"] = 1, ["jwt"] = 2 } };

        Assert.Null(Mapper.Map(plain)["unmapped"]!["warden"]!["redactions"]);
        Assert.Equal("""{"jwt":2,"url-password":1}""", Mapper.Map(redacted)["unmapped"]!["warden"]!["redactions"]!.ToJsonString());
    }

    // The attributes OCSF requires of every event, and of the class.
    private static void AssertBase(JsonObject e, AuditRecord r, int classUid, int categoryUid, int activityId)
    {
        Assert.Equal(classUid, e["class_uid"]!.GetValue<int>());
        Assert.Equal(categoryUid, e["category_uid"]!.GetValue<int>());
        Assert.Equal(activityId, e["activity_id"]!.GetValue<int>());
        Assert.Equal((classUid * 100L) + activityId, e["type_uid"]!.GetValue<long>());
        Assert.InRange(e["severity_id"]!.GetValue<int>(), 1, 6);
        Assert.Equal(r.Timestamp.ToUnixTimeMilliseconds(), e["time"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(e["status"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(e["class_name"]!.GetValue<string>()));
        var metadata = e["metadata"]!;
        Assert.Equal(OcsfMapper.SchemaVersion, metadata["version"]!.GetValue<string>());
        Assert.Equal(("Warden", "9.9.9"), (metadata["product"]!["name"]!.GetValue<string>(), metadata["product"]!["version"]!.GetValue<string>()));
        Assert.Equal(r.Id, metadata["uid"]!.GetValue<string>());
        Assert.Equal(r.Hash, e["unmapped"]!["warden"]!["hash"]!.GetValue<string>());
        Assert.DoesNotContain("null", e.ToJsonString(), StringComparison.Ordinal);
        switch (classUid)
        {
            case 6003:
                Assert.NotNull(e["actor"]!["user"]);
                Assert.NotNull(e["api"]!["operation"]);
                Assert.NotNull(e["src_endpoint"]);
                break;
            case 1001:
                Assert.NotNull(e["actor"]!["user"]);
                Assert.NotNull(e["device"]!["type_id"]);
                Assert.NotNull(e["file"]!["name"]);
                break;
            case 1007:
                Assert.NotNull(e["process"]!["cmd_line"]);
                Assert.NotNull(e["device"]);
                Assert.NotNull(e["actor"]);
                break;
            case 3002:
                Assert.NotNull(e["user"]);
                Assert.NotNull(e["service"]);
                break;
        }
    }

    private static AuditRecord Record(string method, string? name, JsonObject? arguments) => AuditRecordEncoder.Seal(new AuditRecord
    {
        Id = Guid.CreateVersion7().ToString(),
        Timestamp = AuditRecords.Epoch.AddMilliseconds(1234.567),
        DurationMicros = 2500,
        Source = AuditSource.Mcp,
        SessionId = "s1",
        RequestId = "req-7",
        Input = new AuditInput { Method = method, Name = name, Server = method == "tools/call" ? (name == "query" ? "db" : "files") : null, Arguments = arguments },
        Output = AuditOutput.FromContent("""{"content":[{"type":"text","text":"ok"}]}""", 1000),
        User = new AuditUserIdentity { Subject = "alice", AuthMethod = "oidc", Roles = ["developer"] },
        Decision = new AuditDecision { Effect = AuditEffect.Allow },
    }, 7, AuditRecord.GenesisPrevHash);
}
