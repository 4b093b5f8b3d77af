using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Authorization;
using Warden.Core.Pipeline;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Authorization;

/// <summary>
/// The "authorize (role)" step: decides a tools/call, prompts/get, resources/read or subscribe, or completion against
/// the caller's roles in the configuration in force now. What the caller may not see is answered exactly as what does
/// not exist; a tool that needs a justification has it checked here and taken out of the arguments before forwarding.
/// </summary>
internal sealed class RoleAuthorizer
{
    public const string JustificationProperty = "justification";
    public const int MaxJustificationLength = 4000;

    public async ValueTask<RoleOutcome> AuthorizeAsync(GatewaySession session, JsonRpcRequest request, RouteTarget target, CallerAccess access, CancellationToken cancellationToken)
    {
        if (access.Unrestricted)
        {
            return RoleOutcome.None;
        }

        switch (request.Method)
        {
            case RequestMethods.ToolsCall:
                return await ToolAsync(session, request, target, access, cancellationToken).ConfigureAwait(false);
            case RequestMethods.PromptsGet:
                return await PromptAsync(session, request, target, access, cancellationToken).ConfigureAwait(false);
            case RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe:
                return Resource(request, target, access);
            case RequestMethods.CompletionComplete:
                return RequestFields.String((request.Params as JsonObject)?["ref"]?["type"]) == "ref/prompt"
                    ? await PromptAsync(session, request, target, access, cancellationToken).ConfigureAwait(false)
                    : Resource(request, target, access);
            default:
                return RoleOutcome.None;
        }
    }

    private static async ValueTask<RoleOutcome> ToolAsync(GatewaySession session, JsonRpcRequest request, RouteTarget target, CallerAccess access, CancellationToken cancellationToken)
    {
        if (target.Server is not { } server || target.Name is not { } name)
        {
            // The router answers a name it cannot resolve with the same error.
            return RoleOutcome.None;
        }

        if (!access.CanReachServer(server))
        {
            return Hidden(session, request, access.Tool(server, name, readOnlyHint: false));
        }

        var listed = await session.FindListedAsync(server, RequestMethods.ToolsList, name, cancellationToken).ConfigureAwait(false);
        if (listed is { Known: true, Item: null })
        {
            return Unknown(session, request, $"server '{server}' does not list tool '{name}'");
        }

        var readOnly = listed.Item?["annotations"]?["readOnlyHint"] is JsonValue hint && hint.TryGetValue<bool>(out var flag) && flag;
        var decision = access.Tool(server, name, readOnly);
        if (!decision.Allowed)
        {
            return Hidden(session, request, decision);
        }

        if (!decision.NeedsJustification)
        {
            return new RoleOutcome(Allow(decision));
        }

        var arguments = target.Arguments as JsonObject;
        var text = RequestFields.String(arguments?[JustificationProperty])?.Trim();
        var minimum = decision.JustificationMinLength!.Value;
        if (text is null || text.Length < minimum || text.Length > MaxJustificationLength)
        {
            var problem = text is null or { Length: 0 } ? "no justification was given"
                : text.Length < minimum ? $"the justification is shorter than {minimum} characters"
                : $"the justification is longer than {MaxJustificationLength} characters";
            var message = $"This tool needs a justification: add the argument '{JustificationProperty}' saying why you need this call (at least {minimum} characters; it is recorded in the audit log). Refused because {problem}.";
            return new RoleOutcome(Decision.Deny($"{problem} ({decision.Reason})", decision.RuleId), ToolError(request.Id, message));
        }

        // Taken out before forwarding: the upstream never declared it, unless its own schema has the property.
        if (listed.Item?["inputSchema"]?["properties"] is not JsonObject properties || !properties.ContainsKey(JustificationProperty))
        {
            arguments!.Remove(JustificationProperty);
        }

        return new RoleOutcome(Allow(decision), Justification: text);
    }

    private static async ValueTask<RoleOutcome> PromptAsync(GatewaySession session, JsonRpcRequest request, RouteTarget target, CallerAccess access, CancellationToken cancellationToken)
    {
        if (target.Server is not { } server || target.Name is not { } name)
        {
            return RoleOutcome.None;
        }

        var decision = access.Prompt(server, name);
        if (!decision.Allowed)
        {
            return Hidden(session, request, decision);
        }

        if (request.Method == RequestMethods.PromptsGet)
        {
            var listed = await session.FindListedAsync(server, RequestMethods.PromptsList, name, cancellationToken).ConfigureAwait(false);
            if (listed is { Known: true, Item: null })
            {
                return Unknown(session, request, $"server '{server}' does not list prompt '{name}'");
            }
        }

        return new RoleOutcome(Allow(decision));
    }

    private static RoleOutcome Resource(JsonRpcRequest request, RouteTarget target, CallerAccess access)
    {
        if (target.Server is not { } server || target.Name is not { } uri)
        {
            return RoleOutcome.None;
        }

        var decision = access.Resource(server, uri);
        return decision.Allowed
            ? new RoleOutcome(Allow(decision))
            : new RoleOutcome(Decision.Deny(decision.Reason, decision.RuleId), NotFoundAnswers.Resource(request.Id, request.Method, uri));
    }

    private static RoleOutcome Hidden(GatewaySession session, JsonRpcRequest request, AccessDecision decision) =>
        new(Decision.Deny(decision.Reason, decision.RuleId), NotFoundAnswers.Named(request.Id, request.Method, RequestFields.Read(request).Name, session.IsAggregate));

    // Not a denial: the thing does not exist. Warden answers it (not the upstream) so that it reads exactly like a hidden one.
    private static RoleOutcome Unknown(GatewaySession session, JsonRpcRequest request, string reason) =>
        new(new Decision(DecisionEffect.Allow, reason, []), NotFoundAnswers.Named(request.Id, request.Method, RequestFields.Read(request).Name, session.IsAggregate));

    private static Decision Allow(AccessDecision decision) => new(DecisionEffect.Allow, decision.Reason, [decision.RuleId]);

    private static JsonRpcResponse ToolError(RequestId id, string message) => new()
    {
        Id = id,
        Result = new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = message }),
            ["isError"] = true,
        },
    };
}
