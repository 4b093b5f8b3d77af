using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Authorization;
using Warden.Core.Naming;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Authorization;

/// <summary>
/// Filters a list result to what the caller may use, page by page (a page may come back shorter, even empty, with its
/// <c>nextCursor</c> kept, so paging still reaches the end), and adds the <c>justification</c> argument to the input
/// schema of tools that need one for this caller.
/// </summary>
internal static class ListFilter
{
    public static bool Filters(string method) =>
        method is RequestMethods.ToolsList or RequestMethods.PromptsList or RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList;

    public static void Apply(GatewaySession session, string method, JsonObject result, CallerAccess access)
    {
        if (access.Unrestricted)
        {
            return;
        }

        var (field, key) = method switch
        {
            RequestMethods.ToolsList => ("tools", "name"),
            RequestMethods.PromptsList => ("prompts", "name"),
            RequestMethods.ResourcesList => ("resources", "uri"),
            _ => ("resourceTemplates", "uriTemplate"),
        };
        if (result[field] is not JsonArray items)
        {
            return;
        }

        foreach (var item in items.ToList())
        {
            if (item is not JsonObject entry || RequestFields.String(entry[key]) is not { } name || !Keep(session, method, entry, name, access))
            {
                items.Remove(item);
            }
        }
    }

    private static bool Keep(GatewaySession session, string method, JsonObject item, string name, CallerAccess access)
    {
        if (method is RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList)
        {
            var owner = session.IsAggregate ? OwnerOf(session, method, name) : session.Ticket.Route;
            return owner is not null && access.Resource(owner, name).Allowed;
        }

        string server, local;
        if (!session.IsAggregate)
        {
            (server, local) = (session.Ticket.Route, name);
        }
        else if (!QualifiedName.TrySplit(name, out server, out local))
        {
            return false;
        }

        if (method == RequestMethods.PromptsList)
        {
            return access.Prompt(server, local).Allowed;
        }

        var readOnly = item["annotations"]?["readOnlyHint"] is JsonValue hint && hint.TryGetValue<bool>(out var flag) && flag;
        var decision = access.Tool(server, local, readOnly);
        if (decision.NeedsJustification)
        {
            AddJustification(item, decision.JustificationMinLength!.Value);
        }

        return decision.Allowed;
    }

    // The aggregate remembered which server listed each URI (the first, in server order) while it built the list.
    private static string? OwnerOf(GatewaySession session, string method, string uri) =>
        session.ResourceOwners.TryGetValue(method == RequestMethods.ResourcesTemplatesList ? AggregateRouter.TemplatePrefix + uri : uri, out var server) ? server : null;

    // MCP clients cannot add fields of their own to a call, so the requirement travels as an argument in the schema.
    private static void AddJustification(JsonObject tool, int minimum)
    {
        if (tool["inputSchema"] is not JsonObject schema)
        {
            tool["inputSchema"] = schema = new JsonObject { ["type"] = "object" };
        }

        if (schema["properties"] is not JsonObject properties)
        {
            schema["properties"] = properties = [];
        }

        if (!properties.ContainsKey(RoleAuthorizer.JustificationProperty))
        {
            properties[RoleAuthorizer.JustificationProperty] = new JsonObject
            {
                ["type"] = "string",
                ["minLength"] = minimum,
                ["maxLength"] = RoleAuthorizer.MaxJustificationLength,
                ["description"] = $"Why you need this call (at least {minimum} characters). Your role requires it; Warden records it in the audit log and does not pass it to the tool.",
            };
        }

        if (schema["required"] is not JsonArray required)
        {
            schema["required"] = required = [];
        }

        if (!required.Any(r => RequestFields.String(r) == RoleAuthorizer.JustificationProperty))
        {
            required.Add(RoleAuthorizer.JustificationProperty);
        }
    }
}
