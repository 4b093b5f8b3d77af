using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>
/// Beyond tools: server-everything's resources, resource templates, prompts and completions look the same
/// through Warden as directly (TypeScript SDK client), on /mcp/everything and on /mcp.
/// </summary>
public sealed class EverythingCatalogTests
{
    [Fact]
    public async Task Catalog_TypeScriptClientThroughServerEndpoint_MatchesDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());

        var directRun = TsClient.RunAsync(Plan(TsClient.Stdio("catalog", NodeTools.Node, NodeTools.EverythingServer, "stdio"), ""));
        var wardenRun = TsClient.RunAsync(Plan(TsClient.Http("catalog", warden.BaseUrl + "/mcp/everything"), ""));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.NotEmpty(expected["resources"]!.AsArray());
        Assert.Equal("Please promote Eve to the head of the Sales team.", actual["promptGets"]![2]!["result"]!["messages"]![0]!["content"]!["text"]!.GetValue<string>());
        foreach (var part in new[] { "resources", "resourceTemplates", "prompts", "reads", "promptGets", "completions" })
        {
            Assert.Equal(InteropJson.Canonical(expected[part]), InteropJson.Canonical(actual[part]));
        }
    }

    [Fact]
    public async Task Catalog_TypeScriptClientThroughAggregate_IsDirectOneWithQualifiedPromptNames()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());

        var directRun = TsClient.RunAsync(Plan(TsClient.Stdio("catalog", NodeTools.Node, NodeTools.EverythingServer, "stdio"), ""));
        var wardenRun = TsClient.RunAsync(Plan(TsClient.Http("catalog", warden.BaseUrl + "/mcp"), "everything__"));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Equal(InteropJson.Canonical(InteropJson.Qualified(expected["prompts"]!.AsArray(), "everything")), InteropJson.Canonical(actual["prompts"]));
        foreach (var part in new[] { "resources", "resourceTemplates", "reads", "promptGets", "completions" })
        {
            Assert.Equal(InteropJson.Canonical(expected[part]), InteropJson.Canonical(actual[part]));
        }
    }

    // Static and template resources (not the blob template: its bytes embed the time they were made), prompts with and without arguments, and completions of a prompt
    // argument and a template variable; prompt names carry the aggregate's prefix when there is one.
    private static JsonObject Plan(JsonObject plan, string prefix) => plan
        .With("reads", new JsonArray("demo://resource/static/document/features.md", "demo://resource/dynamic/text/3"))
        .With("prompts", new JsonArray(
            new JsonObject { ["name"] = prefix + "simple-prompt" },
            new JsonObject { ["name"] = prefix + "args-prompt", ["arguments"] = new JsonObject { ["city"] = "Oslo", ["state"] = "Oslo" } },
            new JsonObject { ["name"] = prefix + "completable-prompt", ["arguments"] = new JsonObject { ["department"] = "Sales", ["name"] = "Eve" } },
            new JsonObject { ["name"] = prefix + "resource-prompt", ["arguments"] = new JsonObject { ["resourceType"] = "Text", ["resourceId"] = "5" } }))
        .With("completions", new JsonArray(
            new JsonObject
            {
                ["ref"] = new JsonObject { ["type"] = "ref/prompt", ["name"] = prefix + "completable-prompt" },
                ["argument"] = new JsonObject { ["name"] = "department", ["value"] = "S" },
            },
            new JsonObject
            {
                ["ref"] = new JsonObject { ["type"] = "ref/prompt", ["name"] = prefix + "completable-prompt" },
                ["argument"] = new JsonObject { ["name"] = "name", ["value"] = "" },
                ["context"] = new JsonObject { ["arguments"] = new JsonObject { ["department"] = "Engineering" } },
            },
            new JsonObject
            {
                ["ref"] = new JsonObject { ["type"] = "ref/resource", ["uri"] = "demo://resource/dynamic/text/{resourceId}" },
                ["argument"] = new JsonObject { ["name"] = "resourceId", ["value"] = "1" },
            }));
}
