using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.RoundTrips;

/// <summary>
/// Tools that make the server call back into its client (sampling, elicitation, roots) or report what the
/// client declared, so Warden tests can prove those flows cross the gateway intact.
/// </summary>
[McpServerToolType]
public sealed class RoundTripTools
{
    [McpServerTool(Name = "sample", ReadOnly = true)]
    [Description("Sends the prompt to the client's model (sampling/createMessage) and returns the reply text.")]
    public static async Task<CallToolResult> Sample(McpServer server, [Description("Prompt for the model")] string prompt, CancellationToken cancellationToken)
    {
        if (server.ClientCapabilities?.Sampling is null)
        {
            return Error("The client did not declare the sampling capability.");
        }

        var result = await server.SampleAsync(
            new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                MaxTokens = 256,
            },
            cancellationToken);
        return Text(result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "");
    }

    [McpServerTool(Name = "elicit", ReadOnly = true)]
    [Description("Asks the user a question (elicitation/create, one string field 'answer'); returns action and content as JSON.")]
    public static async Task<CallToolResult> Elicit(McpServer server, [Description("Question to show the user")] string message, CancellationToken cancellationToken)
    {
        if (server.ClientCapabilities?.Elicitation is null)
        {
            return Error("The client did not declare the elicitation capability.");
        }

        var result = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = message,
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties = { ["answer"] = new ElicitRequestParams.StringSchema { Description = "Your answer" } },
                },
            },
            cancellationToken);
        return Text(new JsonObject
        {
            ["action"] = result.Action,
            ["content"] = result.Content is null ? null : JsonSerializer.SerializeToNode(result.Content, McpJsonUtilities.DefaultOptions),
        }.ToJsonString());
    }

    [McpServerTool(Name = "list_roots", ReadOnly = true)]
    [Description("Asks the client for its roots (roots/list) and returns them as JSON.")]
    public static async Task<CallToolResult> ListRoots(McpServer server, CancellationToken cancellationToken)
    {
        if (server.ClientCapabilities?.Roots is null)
        {
            return Error("The client did not declare the roots capability.");
        }

        var result = await server.RequestRootsAsync(new ListRootsRequestParams(), cancellationToken);
        return Text(JsonSerializer.Serialize(result.Roots, McpJsonUtilities.DefaultOptions));
    }

    [McpServerTool(Name = "progress", ReadOnly = true)]
    [Description("Sends `steps` progress notifications (delayMs apart) for the request's progress token, then answers.")]
    public static async Task<string> Progress(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("Number of progress notifications")] int steps,
        [Description("Pause between notifications, in milliseconds")] int delayMs = 10,
        CancellationToken cancellationToken = default)
    {
        var token = context.Params?.ProgressToken;
        for (var step = 1; step <= steps; step++)
        {
            if (token is { } t)
            {
                await server.NotifyProgressAsync(t, new ProgressNotificationValue { Progress = step, Total = steps, Message = $"step {step} of {steps}" }, cancellationToken: cancellationToken);
            }

            await Task.Delay(Math.Max(0, delayMs), cancellationToken);
        }

        return token is null ? $"completed {steps} steps (no progress token was given)" : $"completed {steps} steps";
    }

    [McpServerTool(Name = "get_client_info", ReadOnly = true)]
    [Description("Returns the clientInfo, client capabilities and protocol version this server saw, as JSON.")]
    public static string GetClientInfo(McpServer server, RequestContext<CallToolRequestParams> context)
    {
        // 2026-07-28 clients send these per request in _meta; older ones once, at initialize.
        var perRequest = context.JsonRpcRequest.Context;
        return new JsonObject
        {
            ["clientInfo"] = JsonSerializer.SerializeToNode(perRequest?.ClientInfo ?? server.ClientInfo, McpJsonUtilities.DefaultOptions),
            ["capabilities"] = JsonSerializer.SerializeToNode(perRequest?.ClientCapabilities ?? server.ClientCapabilities, McpJsonUtilities.DefaultOptions),
            ["protocolVersion"] = perRequest?.ProtocolVersion ?? server.NegotiatedProtocolVersion,
            ["sessionId"] = server.SessionId,
        }.ToJsonString();
    }

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}
