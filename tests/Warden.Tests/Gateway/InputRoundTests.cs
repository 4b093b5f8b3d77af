using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// input_required rounds of the 2026-07-28 bridge to a 2025 stdio upstream when more than one call of a caller
/// is open: a 2025 server's requests to its client name no call, so Warden must not let a call that waits for
/// the client share its upstream link with the caller's next call.
/// </summary>
public sealed class InputRoundTests
{
    private const string Version = "2026-07-28";
    private static readonly JsonObject Capabilities = new() { ["elicitation"] = new JsonObject(), ["roots"] = new JsonObject() };

    [Fact]
    public async Task Parked_call_whose_upstream_asks_again_after_the_next_call_was_sent_keeps_that_input_request()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(timeout: "60s"));
        using var http = new HttpClient();
        var url = warden.BaseUrl + "/mcp/test";
        var gate = Path.Combine(Directory.CreateTempSubdirectory("warden-gate-").FullName, "gate");
        var late = new JsonObject { ["name"] = "ask_twice_late", ["arguments"] = new JsonObject { ["gate"] = gate } };
        var opener = new JsonObject { ["name"] = "open_late_gate", ["arguments"] = new JsonObject { ["gate"] = gate } };

        // The first call asks for a name and parks; its upstream asks for the roots only once the next call runs.
        var first = await CallAsync(http, url, 1, late);
        var (nameKey, nameInput) = Assert.Single(InputsOf(first));
        Assert.Equal("elicitation/create", nameInput!["method"]!.GetValue<string>());

        // The next call opens the gate, waits until the roots request is on its way, then asks its own question:
        // only that question is this call's.
        var second = await CallAsync(http, url, 2, opener);
        var (colourKey, colourInput) = Assert.Single(InputsOf(second));
        Assert.Equal("elicitation/create", colourInput!["method"]!.GetValue<string>());
        Assert.Equal("Gate: what is your colour?", colourInput["params"]!["message"]!.GetValue<string>());
        second = await CallAsync(http, url, 3, Retry(opener, second, new JsonObject { [colourKey] = Accept("colour", "blue") }));
        Assert.Equal("complete", second["resultType"]!.GetValue<string>());
        Assert.Equal("gate: colour=blue", second["content"]![0]!["text"]!.GetValue<string>());

        // The roots request belongs to the first call: it is asked there, in the next round.
        first = await CallAsync(http, url, 4, Retry(late, first, new JsonObject { [nameKey] = Accept("name", "Alice") }));
        var (rootsKey, rootsInput) = Assert.Single(InputsOf(first));
        Assert.Equal("roots/list", rootsInput!["method"]!.GetValue<string>());
        first = await CallAsync(http, url, 5, Retry(late, first, new JsonObject
        {
            [rootsKey] = new JsonObject { ["roots"] = new JsonArray(new JsonObject { ["uri"] = "file:///work", ["name"] = "work" }) },
        }));
        Assert.Equal("complete", first["resultType"]!.GetValue<string>());
        Assert.Equal("late-input: name=Alice, roots=1", first["content"]![0]!["text"]!.GetValue<string>());
    }

    private static JsonObject InputsOf(JsonObject result)
    {
        Assert.True(result["resultType"]?.GetValue<string>() == "input_required", $"expected input_required, got {result.ToJsonString()}");
        return result["inputRequests"]!.AsObject();
    }

    private static JsonObject Accept(string field, string value) =>
        new() { ["action"] = "accept", ["content"] = new JsonObject { [field] = value } };

    private static JsonObject Retry(JsonObject call, JsonObject previous, JsonObject answers)
    {
        var retry = (JsonObject)call.DeepClone();
        retry["requestState"] = previous["requestState"]!.GetValue<string>();
        retry["inputResponses"] = answers;
        return retry;
    }

    private static async Task<JsonObject> CallAsync(HttpClient http, string url, int id, JsonObject parameters)
    {
        parameters = (JsonObject)parameters.DeepClone();
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Version,
            ["io.modelcontextprotocol/clientCapabilities"] = Capabilities.DeepClone(),
        };
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = "tools/call", ["params"] = parameters };
        using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        post.Headers.TryAddWithoutValidation("MCP-Protocol-Version", Version);
        post.Headers.TryAddWithoutValidation("Mcp-Method", "tools/call");
        post.Headers.TryAddWithoutValidation("Mcp-Name", parameters["name"]!.GetValue<string>());
        using var response = await http.SendAsync(post);
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            text = text.Split('\n').Last(l => l.StartsWith("data:", StringComparison.Ordinal))[5..];
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(id, body["id"]!.GetValue<int>());
        Assert.True(body["result"] is JsonObject, text);
        return body["result"]!.AsObject();
    }
}
