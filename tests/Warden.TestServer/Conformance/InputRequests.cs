using ModelContextProtocol.Protocol;

namespace Warden.TestServer.Conformance;

/// <summary>Builders for the SEP-2322 input requests the MRTR scenarios ask for by key.</summary>
internal static class InputRequests
{
    public static InputRequest AskString(string message, string field) => InputRequest.ForElicitation(new ElicitRequestParams
    {
        Message = message,
        RequestedSchema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
            {
                [field] = new ElicitRequestParams.StringSchema(),
            },
            Required = [field],
        },
    });

    public static InputRequest AskConfirm() => InputRequest.ForElicitation(new ElicitRequestParams
    {
        Message = "Please confirm",
        RequestedSchema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
            {
                ["ok"] = new ElicitRequestParams.BooleanSchema(),
            },
            Required = ["ok"],
        },
    });

    public static InputRequest AskModel(string prompt, int maxTokens) => InputRequest.ForSampling(new CreateMessageRequestParams
    {
        Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
        MaxTokens = maxTokens,
    });

    public static InputRequest AskRoots() => InputRequest.ForRootsList(new ListRootsRequestParams());

    /// <summary>The client's response for <paramref name="key"/>, or null when it did not send one.</summary>
    public static InputResponse? Response(IDictionary<string, InputResponse>? responses, string key) =>
        responses is not null && responses.TryGetValue(key, out var response) ? response : null;

    public static string? ElicitedString(InputResponse response, string field)
    {
        var content = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo)?.Content;
        return content is not null && content.TryGetValue(field, out var value) ? value.ToString() : null;
    }
}
