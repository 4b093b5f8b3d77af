using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Warden.Core.Audit;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>
/// A session against the real server-filesystem through Warden, read back with GET
/// /api/v1/audit/sessions/{id}/timeline: every call in order, and the diffs of the files it changed.
/// </summary>
public sealed class FilesystemTimelineTests : IDisposable
{
    private readonly FilesystemTree _tree = new();

    [Fact]
    public async Task Timeline_ReadEditWriteMove_ShowsEachCallInOrderWithItsDiff()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.Filesystem(_tree.Root));
        await using var client = await warden.ConnectAsync("/mcp/files");
        var notes = _tree.PathOf("notes.txt");
        var draft = _tree.PathOf("draft.txt");

        await CallAsync(client, "read_text_file", new() { ["path"] = notes });
        await CallAsync(client, "edit_file", new()
        {
            ["path"] = notes,
            ["edits"] = new[] { new Dictionary<string, string> { ["oldText"] = "second line", ["newText"] = "2nd line" } },
        });
        await CallAsync(client, "write_file", new() { ["path"] = draft, ["content"] = "draft\n" });
        await CallAsync(client, "move_file", new() { ["source"] = draft, ["destination"] = _tree.PathOf("final.txt") });
        Assert.Equal("first line\n2nd line\nthird line\n", await File.ReadAllTextAsync(notes));

        var session = await SessionOfAsync(warden, "edit_file");
        using var http = warden.AdminHttp();
        var response = await http.GetAsync($"{warden.BaseUrl}/api/v1/audit/sessions/{Uri.EscapeDataString(session)}/timeline");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var timeline = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var entries = timeline["entries"]!.AsArray();
        Assert.Equal(session, timeline["session_id"]!.GetValue<string>());
        Assert.Equal("initialize", entries[0]!["method"]!.GetValue<string>());
        var calls = entries.Where(e => e!["method"]!.GetValue<string>() == "tools/call").ToList();
        Assert.Equal(["read_text_file", "edit_file", "write_file", "move_file"], calls.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal(entries.Select(e => e!["seq"]!.GetValue<long>()).Order(), entries.Select(e => e!["seq"]!.GetValue<long>()));
        Assert.True(calls[1]!["offset_us"]!.GetValue<long>() >= calls[0]!["offset_us"]!.GetValue<long>());
        Assert.Equal("first line", calls[0]!["output"]!.GetValue<string>()[..10]);

        // The edit is diffed against the content the read returned, with the file's real line numbers.
        var label = notes.TrimStart('/');
        Assert.Equal($"--- a/{label}\n+++ b/{label}\n@@ -1,3 +1,3 @@\n first line\n-second line\n+2nd line\n third line\n", calls[1]!["diff"]!.GetValue<string>());
        Assert.Equal("edit", calls[1]!["operation"]!["kind"]!.GetValue<string>());
        Assert.Contains("+draft", calls[2]!["diff"]!.GetValue<string>());
        Assert.Contains("new file", calls[2]!["note"]!.GetValue<string>());
        Assert.Equal($"rename from {draft}\nrename to {_tree.PathOf("final.txt")}\n", calls[3]!["diff"]!.GetValue<string>());
        Assert.Contains(calls[1]!["data"]!.AsArray(), d => d!["kind"]!.GetValue<string>() == "file" && d["value"]!.GetValue<string>() == notes);

        var missing = await http.GetAsync($"{warden.BaseUrl}/api/v1/audit/sessions/no-such-session/timeline");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    public void Dispose() => _tree.Dispose();

    private static async Task CallAsync(ModelContextProtocol.Client.McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        Assert.NotEqual(true, result.IsError);
    }

    private static async Task<string> SessionOfAsync(WardenHost warden, string tool)
    {
        var store = warden.Services.GetRequiredService<IAuditStore>();
        await foreach (var record in store.ReadAsync(1, CancellationToken.None))
        {
            if (record.Input.Name == tool)
            {
                return record.SessionId!;
            }
        }

        throw new InvalidOperationException($"no {tool} record");
    }
}
