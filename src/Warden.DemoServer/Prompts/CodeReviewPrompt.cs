using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.DemoServer.Prompts;

/// <summary>A reusable request for a code review.</summary>
[McpServerPromptType]
public sealed class CodeReviewPrompt
{
    [McpServerPrompt(Name = "code_review", Title = "Code review")]
    [Description("Asks the model for a careful review of a piece of code: bugs first, then security, then clarity.")]
    public static IEnumerable<PromptMessage> CodeReview(
        [Description("The code to review")] string code,
        [Description("Programming language, if not obvious (optional)")] string? language = null)
    {
        var fence = string.IsNullOrWhiteSpace(language) ? "" : language.Trim().ToLowerInvariant();
        return
        [
            new PromptMessage
            {
                Role = Role.User,
                Content = new TextContentBlock
                {
                    Text =
                        "Please review the following code. List concrete problems in order of severity: " +
                        "correctness bugs first, then security issues, then performance, then readability. " +
                        "For each, quote the line, explain why it is a problem, and suggest a fix. " +
                        "Say explicitly if you find nothing serious.\n\n" +
                        $"```{fence}\n{code}\n```",
                },
            },
        ];
    }
}
