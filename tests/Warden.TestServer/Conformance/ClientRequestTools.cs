using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>Conformance tools that call back into the client (sampling and elicitation).</summary>
[McpServerToolType]
public sealed class ClientRequestTools
{
    [McpServerTool(Name = "test_sampling", ReadOnly = true)]
    [Description("Asks the client's model to answer the prompt (sampling/createMessage) and returns the reply.")]
    public static async Task<string> Sampling(
        McpServer server,
        [Description("The prompt to send to the model")] string prompt,
        CancellationToken cancellationToken)
    {
        var result = await server.SampleAsync(
            new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                MaxTokens = 100,
            },
            cancellationToken);
        return $"LLM response: {result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "(no text)"}";
    }

    [McpServerTool(Name = "test_elicitation", ReadOnly = true)]
    [Description("Asks the user (elicitation/create) for a username and email and reports what came back.")]
    public static async Task<string> Elicitation(
        McpServer server,
        [Description("The message to show the user")] string message,
        CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = message,
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties =
                    {
                        ["username"] = new ElicitRequestParams.StringSchema { Description = "User's response" },
                        ["email"] = new ElicitRequestParams.StringSchema { Description = "User's email address" },
                    },
                    Required = ["username", "email"],
                },
            },
            cancellationToken);
        return Describe("User response", result);
    }

    [McpServerTool(Name = "test_elicitation_sep1034_defaults", ReadOnly = true)]
    [Description("Elicits a form whose string, integer, number, enum and boolean fields all carry defaults (SEP-1034).")]
    public static async Task<string> ElicitationDefaults(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = "Please review and update the form fields with defaults",
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties =
                    {
                        ["name"] = new ElicitRequestParams.StringSchema { Description = "User name", Default = "John Doe" },
                        ["age"] = new ElicitRequestParams.NumberSchema { Type = "integer", Description = "User age", Default = 30 },
                        ["score"] = new ElicitRequestParams.NumberSchema { Description = "User score", Default = 95.5 },
                        ["status"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema
                        {
                            Description = "User status",
                            Enum = ["active", "inactive", "pending"],
                            Default = "active",
                        },
                        ["verified"] = new ElicitRequestParams.BooleanSchema { Description = "Verification status", Default = true },
                    },
                },
            },
            cancellationToken);
        return Describe("Elicitation completed", result);
    }

    [McpServerTool(Name = "test_elicitation_sep1330_enums", ReadOnly = true)]
    [Description("Elicits every enum shape: untitled/titled single-select, legacy enumNames, untitled/titled multi-select (SEP-1330).")]
    public static async Task<string> ElicitationEnums(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = "Please select options from the enum fields",
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties =
                    {
                        ["untitledSingle"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema
                        {
                            Description = "Select one option",
                            Enum = ["option1", "option2", "option3"],
                        },
                        ["titledSingle"] = new ElicitRequestParams.TitledSingleSelectEnumSchema
                        {
                            Description = "Select one option with titles",
                            OneOf =
                            [
                                new() { Const = "value1", Title = "First Option" },
                                new() { Const = "value2", Title = "Second Option" },
                                new() { Const = "value3", Title = "Third Option" },
                            ],
                        },
                        // enumNames is the pre-SEP-1330 shape; the scenario checks servers can still send it.
                        ["legacyEnum"] = new ElicitRequestParams.LegacyTitledEnumSchema
                        {
                            Description = "Select one option (legacy)",
                            Enum = ["opt1", "opt2", "opt3"],
                            EnumNames = ["Option One", "Option Two", "Option Three"],
                        },
                        ["untitledMulti"] = new ElicitRequestParams.UntitledMultiSelectEnumSchema
                        {
                            Description = "Select multiple options",
                            Items = new ElicitRequestParams.UntitledEnumItemsSchema { Enum = ["option1", "option2", "option3"] },
                        },
                        ["titledMulti"] = new ElicitRequestParams.TitledMultiSelectEnumSchema
                        {
                            Description = "Select multiple options with titles",
                            Items = new ElicitRequestParams.TitledEnumItemsSchema
                            {
                                AnyOf =
                                [
                                    new() { Const = "value1", Title = "First Choice" },
                                    new() { Const = "value2", Title = "Second Choice" },
                                    new() { Const = "value3", Title = "Third Choice" },
                                ],
                            },
                        },
                    },
                },
            },
            cancellationToken);
        return Describe("Elicitation completed", result);
    }

    private static string Describe(string prefix, ElicitResult result) => result.Content is null
        ? $"{prefix}: action={result.Action}"
        : $"{prefix}: action={result.Action}, content={JsonSerializer.Serialize(result.Content, McpJsonUtilities.DefaultOptions)}";
}
