using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>Proves prompts/get can also answer with an InputRequiredResult (SEP-2322 D1).</summary>
[McpServerPromptType]
public sealed class InputRequiredPrompts
{
    [McpServerPrompt(Name = "test_input_required_result_prompt")]
    [Description("Asks for 'user_context' by elicitation before rendering the prompt.")]
    public static GetPromptResult Prompt(RequestContext<GetPromptRequestParams> context)
    {
        if (InputRequests.Response(context.Params?.InputResponses, "user_context") is not { } response)
        {
            throw new InputRequiredException(new Dictionary<string, InputRequest>
            {
                ["user_context"] = InputRequests.AskString("What context should the prompt use?", "context"),
            });
        }

        return new GetPromptResult
        {
            Description = "Prompt customized with elicited user context.",
            Messages =
            [
                new PromptMessage
                {
                    Role = Role.User,
                    Content = new TextContentBlock { Text = $"Please continue using context: {InputRequests.ElicitedString(response, "context") ?? "(unknown)"}" },
                },
            ],
        };
    }
}
