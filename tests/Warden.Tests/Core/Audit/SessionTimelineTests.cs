using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Operations;
using Warden.Core.Audit.Timeline;
using Warden.Core.Configuration;

namespace Warden.Tests.Core.Audit;

/// <summary>A session's timeline follows each file through reads, writes, edits and moves, and diffs every change.</summary>
public sealed class SessionTimelineTests
{
    [Fact]
    public void Build_ReadThenEditFile_DiffsTheWholeFileWithRealLineNumbers()
    {
        var records = Session(
            Call("read_text_file", new JsonObject { ["path"] = "/srv/app/config.ini" }, Result("[db]\nhost=a\nport=1\nuser=x\n")),
            Call("edit_file", new JsonObject
            {
                ["path"] = "/srv/app/config.ini",
                ["edits"] = new JsonArray(new JsonObject { ["oldText"] = "port=1", ["newText"] = "port=2" }),
            }, Result("diff…")));

        var timeline = SessionTimeline.Build("s1", records, ToolOperations.Default);

        Assert.Null(timeline.Entries[0].Diff);
        var edit = timeline.Entries[1];
        Assert.Equal(ToolOperationKind.Edit, edit.Operation!.Kind);
        Assert.Equal("--- a/srv/app/config.ini\n+++ b/srv/app/config.ini\n@@ -1,4 +1,4 @@\n [db]\n host=a\n-port=1\n+port=2\n user=x\n", edit.Diff);
        Assert.Null(edit.Note);
    }

    [Fact]
    public void Build_WriteWithoutEarlierContent_IsANewFile_AndTheNextWriteDiffsAgainstIt()
    {
        var records = Session(
            Call("write_file", new JsonObject { ["path"] = "/tmp/../srv/a.txt", ["content"] = "one\ntwo\n" }, Result("Successfully wrote to /srv/a.txt")),
            Call("write_file", new JsonObject { ["path"] = "/srv/a.txt", ["content"] = "one\n2\n" }, Result("Successfully wrote to /srv/a.txt")));

        var timeline = SessionTimeline.Build("s1", records, ToolOperations.Default);

        Assert.Equal("--- /dev/null\n+++ b/srv/a.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n", timeline.Entries[0].Diff);
        Assert.Contains("shown as a new file", timeline.Entries[0].Note);
        Assert.Equal("--- a/srv/a.txt\n+++ b/srv/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n", timeline.Entries[1].Diff);
        Assert.Equal("Successfully wrote to /srv/a.txt", timeline.Entries[1].Output);
    }

    [Fact]
    public void Build_DeniedWrite_ShowsTheAttempt_AndLeavesTheKnownContentAsItWas()
    {
        var records = Session(
            Call("write_file", new JsonObject { ["path"] = "/srv/a.txt", ["content"] = "v1\n" }, Result("ok")),
            Call("write_file", new JsonObject { ["path"] = "/srv/a.txt", ["content"] = "evil\n" }, null) with
            {
                Decision = new AuditDecision { Effect = AuditEffect.Deny, RuleIds = ["no-writes"], Reason = "read-only session" },
            },
            Call("write_file", new JsonObject { ["path"] = "/srv/a.txt", ["content"] = "v2\n" }, Result("ok")));

        var timeline = SessionTimeline.Build("s1", records, ToolOperations.Default);

        Assert.Contains("+evil", timeline.Entries[1].Diff);
        Assert.Contains("not applied", timeline.Entries[1].Note);
        Assert.Contains("-v1\n+v2\n", timeline.Entries[2].Diff);
    }

    [Fact]
    public void Build_EditOfAFileNotSeenBefore_ShowsEachReplacement_AndSaysWhereLineNumbersCountFrom()
    {
        var records = Session(Call("edit_file", new JsonObject
        {
            ["path"] = "/srv/b.py",
            ["edits"] = new JsonArray(
                new JsonObject { ["oldText"] = "x = 1", ["newText"] = "x = 2" },
                new JsonObject { ["oldText"] = "def f():\n    pass\n", ["newText"] = "def f():\n    return 1\n" }),
            ["dryRun"] = true,
        }, Result("preview")));

        var entry = SessionTimeline.Build("s1", records, ToolOperations.Default).Entries[0];

        Assert.Equal("--- a/srv/b.py\n+++ b/srv/b.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n--- a/srv/b.py\n+++ b/srv/b.py\n@@ -1,2 +1,2 @@\n def f():\n-    pass\n+    return 1\n", entry.Diff);
        Assert.Contains("dry run", entry.Note);
        Assert.Contains("line numbers count from the start of each edit's text", entry.Note);
    }

    [Fact]
    public void Build_MoveThenEdit_CarriesTheContentToTheNewPath()
    {
        var records = Session(
            Call("write_file", new JsonObject { ["path"] = "/srv/old.txt", ["content"] = "a\nb\n" }, Result("ok")),
            Call("move_file", new JsonObject { ["source"] = "/srv/old.txt", ["destination"] = "/srv/new.txt" }, Result("ok")),
            Call("edit_file", new JsonObject { ["path"] = "/srv/new.txt", ["edits"] = new JsonArray(new JsonObject { ["oldText"] = "b", ["newText"] = "B" }) }, Result("ok")));

        var timeline = SessionTimeline.Build("s1", records, ToolOperations.Default);

        Assert.Equal("rename from /srv/old.txt\nrename to /srv/new.txt\n", timeline.Entries[1].Diff);
        Assert.Equal("--- a/srv/new.txt\n+++ b/srv/new.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n", timeline.Entries[2].Diff);
    }

    [Fact]
    public void Build_ConfiguredRuleForAnotherServer_DiffsItsWrites_AndOffsetsCountFromTheFirstRecord()
    {
        var rules = new ToolOperations([new OperationRule("notes", "save_*", ToolOperationKind.Write) { Path = "arguments.file", Content = "arguments.body.text" }]);
        var first = Call("save_note", new JsonObject { ["file"] = "/n/todo.md", ["body"] = new JsonObject { ["text"] = "- milk\n" } }, Result("saved"), server: "notes");
        var second = Call("save_note", new JsonObject { ["file"] = "/n/todo.md", ["body"] = new JsonObject { ["text"] = "- milk\n- eggs\n" } }, Result("saved"), server: "notes") with
        {
            Timestamp = first.Timestamp.AddMilliseconds(1500),
        };

        var timeline = SessionTimeline.Build("s1", Session(first, second), rules);

        Assert.Equal(1_500_000, timeline.Entries[1].OffsetMicros);
        Assert.Equal("--- a/n/todo.md\n+++ b/n/todo.md\n@@ -1 +1,2 @@\n - milk\n+- eggs\n", timeline.Entries[1].Diff);
        // Without the rule the same calls are not file operations.
        Assert.All(SessionTimeline.Build("s1", Session(first, second), ToolOperations.Default).Entries, e => Assert.Null(e.Diff));
    }

    [Fact]
    public void Build_AgentHookEditAndBash_AreAFileEditAndACommand()
    {
        var edit = Call("Edit", new JsonObject { ["file_path"] = "/w/a.go", ["old_string"] = "return nil", ["new_string"] = "return err" }, null) with
        {
            Source = AuditSource.Hook,
            Input = new AuditInput { Method = "Edit", Arguments = new JsonObject { ["file_path"] = "/w/a.go", ["old_string"] = "return nil", ["new_string"] = "return err" } },
        };
        var bash = edit with { Input = new AuditInput { Method = "Bash", Arguments = new JsonObject { ["command"] = "go test ./..." } } };

        var timeline = SessionTimeline.Build("s1", Session(edit, bash), ToolOperations.Default);

        Assert.Contains("-return nil\n+return err\n", timeline.Entries[0].Diff);
        Assert.Equal(ToolOperationKind.Command, timeline.Entries[1].Operation!.Kind);
        Assert.Equal("go test ./...", timeline.Entries[1].Operation!.Command);
    }

    [Fact]
    public void Build_ToolError_SummarisesItsMessage()
    {
        var failed = Call("read_text_file", new JsonObject { ["path"] = "/etc/shadow" }, Result("Access denied - path outside allowed directories\nmore")) with { };
        failed = failed with { Output = failed.Output! with { Error = "The tool reported an error (isError)." } };

        var entry = SessionTimeline.Build("s1", Session(failed), ToolOperations.Default).Entries[0];

        Assert.Equal("error: Access denied - path outside allowed directories…", entry.Output);
    }

    private static AuditRecord[] Session(params AuditRecord[] records) =>
        records.Select((r, i) => r with { Seq = i + 1, Timestamp = r.Timestamp == AuditRecords.Epoch ? AuditRecords.Epoch.AddSeconds(i) : r.Timestamp }).ToArray();

    private static AuditRecord Call(string tool, JsonObject arguments, string? result, string server = "files") => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        Timestamp = AuditRecords.Epoch,
        DurationMicros = 1200,
        Source = AuditSource.Mcp,
        SessionId = "s1",
        Input = new AuditInput { Method = "tools/call", Server = server, Name = tool, Arguments = arguments },
        Output = result is null ? null : AuditOutput.FromContent(result, 16384),
        User = new AuditUserIdentity { Subject = "alice", AuthMethod = "oidc" },
        Decision = new AuditDecision { Effect = AuditEffect.Allow },
    };

    private static string Result(string text) => new JsonObject
    {
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        ["structuredContent"] = new JsonObject { ["content"] = text },
    }.ToJsonString();
}
