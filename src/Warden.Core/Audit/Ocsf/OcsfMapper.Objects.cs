using System.Text.Json.Nodes;

namespace Warden.Core.Audit.Ocsf;

// The OCSF objects the classes share: the actor with the decision, users, devices, files; and leaving out nulls.
public sealed partial class OcsfMapper
{
    private static JsonObject Event(int categoryUid, string category, int classUid, string className, int activityId, string activity) => new()
    {
        ["category_uid"] = categoryUid,
        ["category_name"] = category,
        ["class_uid"] = classUid,
        ["class_name"] = className,
        ["activity_id"] = activityId,
        ["activity_name"] = activity,
    };

    private static JsonObject Actor(AuditRecord r)
    {
        var actor = new JsonObject { ["user"] = User(r.User) };
        if (r.SessionId is { } session)
        {
            actor["session"] = new JsonObject { ["uid"] = session };
        }

        if (r.Model?.Agent is { } agent)
        {
            actor["app_name"] = agent;
        }

        actor["authorizations"] = Authorizations(r.Decision);
        return actor;
    }

    // One authorization per deciding rule (a decision without rules, e.g. the default allow, is one with policy "default").
    private static JsonArray Authorizations(AuditDecision decision)
    {
        var verdict = decision.Effect == AuditEffect.Allow ? "Allowed" : "Denied";
        var applied = decision.Mode == AuditMode.Enforce;
        var rules = decision.RuleIds.Count > 0 ? decision.RuleIds : ["default"];
        var authorizations = new JsonArray();
        foreach (var rule in rules)
        {
            var policy = new JsonObject { ["name"] = rule, ["uid"] = rule, ["is_applied"] = applied };
            if (decision.Reason is { } reason)
            {
                policy["desc"] = reason;
            }

            authorizations.Add(new JsonObject { ["decision"] = verdict, ["policy"] = policy });
        }

        return authorizations;
    }

    private static JsonObject User(AuditUserIdentity user)
    {
        var service = user.AuthMethod == "service_account";
        var json = new JsonObject
        {
            ["uid"] = user.Subject,
            ["name"] = user.DisplayName ?? user.Subject,
            ["type_id"] = service ? 4 : 1,
            ["type"] = service ? "Service" : "User",
        };
        if (user.CredentialId is { } credential)
        {
            json["credential_uid"] = credential;
        }

        if (user.Roles.Count > 0)
        {
            var groups = new JsonArray();
            foreach (var role in user.Roles)
            {
                groups.Add(new JsonObject { ["name"] = role });
            }

            json["groups"] = groups;
        }

        return json;
    }

    // The record does not say which machine ran the tool: the device is named after the MCP server that ran it.
    private static JsonObject Device(AuditRecord r) => new() { ["type_id"] = 0, ["type"] = "Unknown", ["name"] = r.Input.Server ?? "agent" };

    private static JsonObject File(string path, bool directory)
    {
        var slash = path.LastIndexOf('/');
        return new JsonObject
        {
            ["name"] = slash >= 0 && slash < path.Length - 1 ? path[(slash + 1)..] : path,
            ["path"] = path,
            ["type_id"] = directory ? 2 : 1,
            ["type"] = directory ? "Folder" : "Regular File",
        };
    }

    // OCSF leaves out what is unknown rather than writing null.
    private static JsonObject Put(JsonObject target, string name, JsonNode? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }

        return target;
    }

    private static JsonObject Put(JsonObject target, string name, string? value) => Put(target, name, value is null ? null : JsonValue.Create(value));
}
