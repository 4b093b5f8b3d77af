using ModelContextProtocol.Protocol;
using Warden.Core.Naming;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// The one answer for a tool, prompt or resource that is not there. A caller's roles may hide things, and a hidden
/// thing must be answered exactly as a missing one (same code, same words), or the difference would enumerate it.
/// </summary>
internal static class NotFoundAnswers
{
    /// <summary>A tools/call or prompts/get (or a completion of a prompt) naming something the caller cannot see.</summary>
    public static JsonRpcError Named(RequestId id, string method, string? name, bool aggregate) =>
        JsonRpcErrors.Create(id, JsonRpcErrors.InvalidParams, NamedMessage(method == RequestMethods.CompletionComplete ? RequestMethods.PromptsGet : method, name, aggregate));

    public static string NamedMessage(string method, string? name, bool aggregate)
    {
        var (kind, list) = method == RequestMethods.ToolsCall ? ("tool", RequestMethods.ToolsList) : ("prompt", RequestMethods.PromptsList);
        return aggregate
            ? $"Unknown {kind}: '{name}'. Names on /mcp have the form server{QualifiedName.Separator}name; list them with {list}."
            : $"Unknown {kind}: '{name}'; list them with {list}.";
    }

    /// <summary>A resources/read, subscribe or unsubscribe (or a completion of a resource template) the caller cannot see.</summary>
    public static JsonRpcError Resource(RequestId id, string method, string? uri) =>
        method == RequestMethods.CompletionComplete
            ? JsonRpcErrors.Create(id, JsonRpcErrors.InvalidParams, ResourceTemplateMessage(uri))
            : JsonRpcErrors.Create(id, JsonRpcErrors.ResourceNotFound, ResourceMessage(uri));

    public static string ResourceMessage(string? uri) =>
        $"Resource '{uri}' is not known; list resources (resources/list or resources/templates/list) to see what is available.";

    public static string ResourceTemplateMessage(string? uri) => $"Resource template '{uri}' is not known.";
}
