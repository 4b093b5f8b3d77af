using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.TestServer.Conformance;
using Warden.TestServer.Hosting;

namespace Warden.TestServer.RoundTrips;

/// <summary>
/// Tools that make the server call back into its client (sampling, elicitation, roots) or report what the
/// client declared, so Warden tests can prove those flows cross the gateway intact.
/// </summary>
/// <remarks>
/// The callbacks throw <see cref="InputRequiredException"/> rather than calling SampleAsync and friends:
/// the SDK then sends a real sampling/elicitation/roots request to 2025-era clients and the tool runs again
/// with the answer, while 2026-07-28 clients get an InputRequiredResult (SEP-2322). One tool, every era and
/// transport, including stateless HTTP where the server cannot send requests at all.
/// </remarks>
[McpServerToolType]
public sealed class RoundTripTools
{
    [McpServerTool(Name = "sample", ReadOnly = true)]
    [Description("Sends the prompt to the client's model (sampling/createMessage) and returns the reply text.")]
    public static CallToolResult Sample(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("Prompt for the model")] string prompt)
    {
        if (InputRequests.Response(context.Params?.InputResponses, "sample") is { } response)
        {
            var reply = response.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo);
            return Text(string.Concat(reply?.Content.OfType<TextContentBlock>().Select(t => t.Text) ?? []));
        }

        return Capabilities(server, context)?.Sampling is null
            ? Error("The client did not declare the sampling capability.")
            : throw Need("sample", InputRequests.AskModel(prompt, 256));
    }

    [McpServerTool(Name = "elicit", ReadOnly = true)]
    [Description("Asks the user a question (elicitation/create, one string field 'answer'); returns action and content as JSON.")]
    public static CallToolResult Elicit(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("Question to show the user")] string message)
    {
        if (InputRequests.Response(context.Params?.InputResponses, "elicit") is { } response)
        {
            var answer = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
            return Text(new JsonObject
            {
                ["action"] = answer?.Action,
                ["content"] = answer?.Content is null ? null : JsonSerializer.SerializeToNode(answer.Content, McpJsonUtilities.DefaultOptions),
            }.ToJsonString(TestServerJson.Options));
        }

        return Capabilities(server, context)?.Elicitation is null
            ? Error("The client did not declare the elicitation capability.")
            : throw Need("elicit", InputRequests.AskString(message, "answer"));
    }

    [McpServerTool(Name = "list_roots", ReadOnly = true)]
    [Description("Asks the client for its roots (roots/list) and returns them as JSON.")]
    public static CallToolResult ListRoots(McpServer server, RequestContext<CallToolRequestParams> context)
    {
        if (InputRequests.Response(context.Params?.InputResponses, "roots") is { } response)
        {
            var roots = response.Deserialize(InputResponse.ListRootsResultJsonTypeInfo)?.Roots ?? [];
            return Text(JsonSerializer.Serialize(roots, McpJsonUtilities.DefaultOptions));
        }

        return Capabilities(server, context)?.Roots is null
            ? Error("The client did not declare the roots capability.")
            : throw Need("roots", InputRequests.AskRoots());
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
        }.ToJsonString(TestServerJson.Options);
    }

    // 2026-07-28 clients declare capabilities per request; older ones once, at initialize.
    private static ClientCapabilities? Capabilities(McpServer server, RequestContext<CallToolRequestParams> context) =>
        context.JsonRpcRequest.Context?.ClientCapabilities ?? server.ClientCapabilities;

    private static InputRequiredException Need(string key, InputRequest request) =>
        new(new Dictionary<string, InputRequest> { [key] = request });

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}
