using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>
/// SEP-2322 multi round-trip (MRTR) tools. Each throws <see cref="InputRequiredException"/>; the SDK turns
/// it into an InputRequiredResult for 2026-07-28 clients and resolves it with real server-to-client
/// requests for older sessions, so the same tool serves both eras.
/// </summary>
[McpServerToolType]
public sealed class InputRequiredTools
{
    private const string StateToken = "warden-mrtr-state-v1";

    [McpServerTool(Name = "test_input_required_result_elicitation", ReadOnly = true)]
    [Description("Asks for 'user_name' by elicitation, then greets the user.")]
    public static CallToolResult Elicitation(RequestContext<CallToolRequestParams> context)
    {
        // A missing or wrongly-keyed response is re-requested rather than rejected (SEP-2322 C1).
        if (InputRequests.Response(context.Params?.InputResponses, "user_name") is { } response)
        {
            return Text($"Hello, {InputRequests.ElicitedString(response, "name") ?? "world"}!");
        }

        throw Need(("user_name", InputRequests.AskString("What is your name?", "name")));
    }

    [McpServerTool(Name = "test_input_required_result_sampling", ReadOnly = true)]
    [Description("Asks the client's model a question ('capital_question'), then reports the answer.")]
    public static CallToolResult Sampling(RequestContext<CallToolRequestParams> context)
    {
        if (InputRequests.Response(context.Params?.InputResponses, "capital_question") is { } response)
        {
            var text = response.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo)?.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text;
            return Text($"Sampling said: {text ?? "(no text)"}");
        }

        throw Need(("capital_question", InputRequests.AskModel("What is the capital of France?", 100)));
    }

    [McpServerTool(Name = "test_input_required_result_list_roots", ReadOnly = true)]
    [Description("Asks for the client's roots ('client_roots'), then reports how many came back.")]
    public static CallToolResult ListRoots(RequestContext<CallToolRequestParams> context)
    {
        if (InputRequests.Response(context.Params?.InputResponses, "client_roots") is { } response)
        {
            var roots = response.Deserialize(InputResponse.ListRootsResultJsonTypeInfo)?.Roots ?? [];
            return Text($"Got {roots.Count} root(s) from the client: {string.Join(", ", roots.Select(r => r.Uri))}");
        }

        throw Need(("client_roots", InputRequests.AskRoots()));
    }

    [McpServerTool(Name = "test_input_required_result_request_state", ReadOnly = true)]
    [Description("Round-trips an opaque requestState; the second round answers 'state-ok' when it comes back intact.")]
    public static CallToolResult RequestState(RequestContext<CallToolRequestParams> context)
    {
        if (context.Params?.RequestState is { } state)
        {
            return Text(state == StateToken
                ? "state-ok: server received and validated the echoed requestState"
                : "state-mismatch: client echoed an unexpected requestState");
        }

        throw new InputRequiredException(new Dictionary<string, InputRequest> { ["confirm"] = InputRequests.AskConfirm() }, StateToken);
    }

    [McpServerTool(Name = "test_input_required_result_multiple_inputs", ReadOnly = true)]
    [Description("Asks for an elicitation, a sampling reply and the roots in one round.")]
    public static CallToolResult MultipleInputs(RequestContext<CallToolRequestParams> context)
    {
        string[] keys = ["user_name", "greeting", "client_roots"];
        if (context.Params?.InputResponses is { } responses && keys.All(responses.ContainsKey))
        {
            return Text("multiple-inputs-ok: received elicit + sampling + roots responses");
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest>
            {
                ["user_name"] = InputRequests.AskString("What is your name?", "name"),
                ["greeting"] = InputRequests.AskModel("Generate a greeting", 50),
                ["client_roots"] = InputRequests.AskRoots(),
            },
            "multi-input-state");
    }

    [McpServerTool(Name = "test_input_required_result_multi_round", ReadOnly = true)]
    [Description("Three rounds: asks for a name, then a colour (with a new requestState), then completes.")]
    public static CallToolResult MultiRound(RequestContext<CallToolRequestParams> context) => context.Params?.RequestState switch
    {
        null => throw new InputRequiredException(
            new Dictionary<string, InputRequest> { ["step1"] = InputRequests.AskString("Step 1: What is your name?", "name") },
            "round-1"),
        "round-1" => throw new InputRequiredException(
            new Dictionary<string, InputRequest> { ["step2"] = InputRequests.AskString("Step 2: What is your favorite color?", "color") },
            "round-2"),
        _ => Text("multi-round-ok"),
    };

    [McpServerTool(Name = "test_input_required_result_tampered_state", ReadOnly = true)]
    [Description("Issues an HMAC-signed requestState and rejects a tampered one with a JSON-RPC error.")]
    public static CallToolResult TamperedState(RequestContext<CallToolRequestParams> context)
    {
        if (context.Params?.RequestState is { } state)
        {
            return RequestStateSigner.Verify(state)
                ? Text("tampered-state-ok: requestState integrity verified")
                : throw new McpProtocolException("requestState failed integrity verification; restart the call without requestState.", McpErrorCode.InvalidParams);
        }

        throw new InputRequiredException(new Dictionary<string, InputRequest> { ["confirm"] = InputRequests.AskConfirm() }, RequestStateSigner.Sign());
    }

    [McpServerTool(Name = "test_input_required_result_capabilities", ReadOnly = true)]
    [Description("Asks only for inputs whose client capability was declared in this request's _meta.")]
    public static CallToolResult Capabilities(RequestContext<CallToolRequestParams> context)
    {
        if (context.Params?.InputResponses is { Count: > 0 })
        {
            return Text("capability-check-ok: received input responses");
        }

        // 2026-07-28 requests carry their capabilities; a 2025 session declared them once, in initialize.
        var capabilities = context.JsonRpcRequest.Context?.ClientCapabilities ?? context.Server.ClientCapabilities;
        var requests = new Dictionary<string, InputRequest>();
        if (capabilities?.Sampling is not null)
        {
            requests["capital_question"] = InputRequests.AskModel("What is the capital of France?", 100);
        }

        if (capabilities?.Elicitation is not null)
        {
            requests["user_name"] = InputRequests.AskString("What is your name?", "name");
        }

        if (capabilities?.Roots is not null)
        {
            requests["client_roots"] = InputRequests.AskRoots();
        }

        return requests.Count == 0
            ? Text("capability-check-ok: client declared no MRTR-capable features")
            : throw new InputRequiredException(requests);
    }

    private static InputRequiredException Need((string Key, InputRequest Request) input) =>
        new(new Dictionary<string, InputRequest> { [input.Key] = input.Request });

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };
}
