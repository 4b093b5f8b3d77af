using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// Secrets planted in tool arguments, tool results, upstream errors and upstream stderr, through a real Warden and the
/// test server over stdio, appear nowhere Warden keeps or shows them: the SQLite files, its logs, the exports (jsonl,
/// csv, ocsf), the API, the session timeline, the live stream and the spans it exports over OTLP. Each place is also checked to hold the markers, so
/// a clean result cannot come from nothing having been recorded.
/// </summary>
public sealed class RedactionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PlantedSecrets_InArgumentsResultsErrorsAndStderr_AppearNowhereWardenKeepsThem()
    {
        var secrets = new PlantedSecrets();
        var data = Directory.CreateTempSubdirectory("warden-redaction-").FullName;
        var logs = new CapturedLogs();
        await using var collector = await OtlpCollector.StartAsync();
        var yaml = Configs.StdioTestServer() + "\n" + PlantedSecrets.CustomPatternYaml + $$"""

            telemetry:
              otlp: { endpoint: {{collector.Url}}, protocol: http/protobuf }
            """;
        var warden = await WardenHost.StartAsync(yaml, data, logs: logs);
        string api, stream;
        try
        {
            await using var live = await SseStream.OpenAsync(warden.BaseUrl + "/api/v1/audit/stream", bearer: warden.AdminKey);
            await using (var client = await warden.ConnectAsync("/mcp/test"))
            {
                var arguments = new Dictionary<string, object?> { ["text"] = secrets.Text, ["fields"] = JsonSerializer.SerializeToElement(secrets.Fields) };

                // The tool hands everything back: as text content, as structured content, and on stderr.
                var result = await client.CallToolAsync("leak", arguments);
                Assert.Contains(secrets.Values[2].Value, Assert.IsType<TextContentBlock>(result.Content[0]).Text);

                // And as a JSON-RPC error message; and a resource URI carries a password and a token.
                await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("leak", new Dictionary<string, object?>(arguments) { ["fail"] = true }).AsTask());
                await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(secrets.ResourceUri).AsTask());
            }

            // The live stream delivered every record as it was committed.
            var methods = new List<string>();
            while (methods.Count(m => m is "tools/call") < 2 || !methods.Contains("resources/read"))
            {
                var next = await live.NextEventAsync(Patience);
                Assert.Equal("record", next.Type);
                methods.Add(JsonNode.Parse(next.Data)!["input"]!["method"]!.GetValue<string>());
            }

            stream = live.Raw;
            using var http = warden.AdminHttp();
            api = await http.GetStringAsync(warden.BaseUrl + "/api/v1/audit?limit=1000");
            var session = JsonNode.Parse(api)!["records"]!.AsArray().First(r => r!["input"]!["method"]!.GetValue<string>() == "tools/call")!["session_id"]!.GetValue<string>();
            AssertNowhere(secrets, "the session timeline", await http.GetStringAsync($"{warden.BaseUrl}/api/v1/audit/sessions/{session}/timeline"));

            // Both leak calls wrote their text to stderr, which Warden logs line by line.
            Polling.Until(() => Occurrences(logs.Text, "leak: the acme key is") >= 2, Patience);

            // While Warden runs, the write-ahead log holds the newest pages.
            AssertNowhere(secrets, "the database files while serving", DatabaseBytes(data, serving: true));
        }
        finally
        {
            await warden.DisposeAsync();
        }

        AssertNowhere(secrets, "GET /api/v1/audit", api);
        AssertNowhere(secrets, "the live stream", stream);
        AssertNowhere(secrets, "Warden's logs", logs.Text);

        // Stopping Warden flushed its spans: the resource URI tag and the error status went out masked.
        var spans = string.Concat(collector.Exports.Where(e => e.Path == "/v1/traces").Select(e => Encoding.Latin1.GetString(e.Body)));
        Assert.Contains("[REDACTED:url-password]", spans, StringComparison.Ordinal);
        AssertNowhere(secrets, "the OTLP span exports", spans);
        AssertNowhere(secrets, "the database files after shutdown", DatabaseBytes(data));
        var jsonl = await WardenCli.RunAsync("audit", "export", "--format", "jsonl", "--data", data);
        var csv = await WardenCli.RunAsync("audit", "export", "--format", "csv", "--data", data);
        Assert.True(jsonl.ExitCode == 0 && csv.ExitCode == 0, jsonl + "\n" + csv);
        AssertNowhere(secrets, "audit export --format jsonl", jsonl.Stdout + jsonl.Stderr);
        AssertNowhere(secrets, "audit export --format csv", csv.Stdout + csv.Stderr);
        var ocsf = await WardenCli.RunAsync("audit", "export", "--format", "ocsf", "--data", data);
        Assert.True(ocsf.ExitCode == 0, ocsf.ToString());
        AssertNowhere(secrets, "audit export --format ocsf", ocsf.Stdout + ocsf.Stderr);

        // What was there is still visible as markers, and each record counts what it lost by rule.
        foreach (var rule in secrets.Rules)
        {
            Assert.Contains($"[REDACTED:{rule}]", api, StringComparison.Ordinal);
            Assert.Contains($"[REDACTED:{rule}]", jsonl.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("[REDACTED:private-key]", logs.Text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:github-token]", csv.Stdout, StringComparison.Ordinal);
        var records = jsonl.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(l))).ToList();
        var calls = records.Where(r => r.Input.Method == "tools/call").ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, call => Assert.True(call.Redactions!["github-token"] >= 5, string.Join(", ", call.Redactions)));
        Assert.Contains("access_token=[REDACTED:secret-assignment]", calls[0].DataAccessed.Single(d => d.Kind == "url").Value, StringComparison.Ordinal);
        Assert.Equal(AuditRecordEncoder.ComputeHash(calls[0]), calls[0].Hash);

        // The log still verifies: redaction happened before sealing.
        var verify = await WardenCli.RunAsync("audit", "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    private static void AssertNowhere(PlantedSecrets secrets, string where, string text)
    {
        var leaked = secrets.Forbidden.Where(s => text.Contains(s, StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, $"{leaked.Count} planted secret(s) found in {where}: {string.Join(", ", leaked.Select(s => s.Length > 12 ? s[..12] + "…" : s))}");
    }

    // The raw bytes of every SQLite file in the data directory (the log, its query index, their -wal and -shm),
    // read beside a running writer; secrets are ASCII, so any copy in a file shows as the same text.
    private static string DatabaseBytes(string data, bool serving = false)
    {
        var text = new StringBuilder();
        var files = Directory.GetFiles(data, "*.db*");
        Assert.True(!serving || files.Any(f => f.EndsWith("-wal", StringComparison.Ordinal)), string.Join(", ", files));
        foreach (var path in files)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            text.Append(Encoding.Latin1.GetString(copy.ToArray()));
        }

        Assert.Contains("[REDACTED:acme-key]", text.ToString(), StringComparison.Ordinal);
        return text.ToString();
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
