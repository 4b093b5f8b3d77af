using System.Globalization;
using System.Text.Json.Nodes;
using Warden.Core.Audit.Operations;
using Warden.Core.Audit.Timeline;

namespace Warden.Core.Audit.Ocsf;

/// <summary>
/// Maps audit records to OCSF 1.8.0 events (docs/ocsf-mapping.md): tool calls and other requests to API Activity
/// (6003), file tools to File System Activity (1001), command tools to Process Activity (1007), sign-ins to
/// Authentication (3002). The decision is in <c>actor.authorizations</c>; model and agent identity go in the
/// <c>ai_operation</c> profile's attributes on the classes 1.8.0 gives that profile (6003, 1007).
/// </summary>
public sealed partial class OcsfMapper(ToolOperations operations, string productVersion)
{
    /// <summary>The OCSF schema version the events follow.</summary>
    public const string SchemaVersion = "1.8.0";

    /// <summary>The OCSF event for <paramref name="r"/>: one JSON object, the base attributes always present.</summary>
    public JsonObject Map(AuditRecord r)
    {
        var operation = r.Source == AuditSource.Auth ? null : operations.Classify(r);
        var profiles = new JsonArray();
        var e = operation?.Kind switch
        {
            _ when r.Source == AuditSource.Auth => Authentication(r),
            ToolOperationKind.Command => Process(r, operation!, profiles),
            not null => FileSystem(r, operation!),
            null => Api(r, profiles),
        };

        var classUid = e["class_uid"]!.GetValue<int>();
        var activityId = e["activity_id"]!.GetValue<int>();
        var (severityId, severity) = Severity(r);
        var (statusId, status, detail) = Status(r);
        var start = r.Timestamp.ToUnixTimeMilliseconds();
        e["type_uid"] = (classUid * 100L) + activityId;
        e["type_name"] = $"{e["class_name"]!.GetValue<string>()}: {e["activity_name"]!.GetValue<string>()}";
        e["severity_id"] = severityId;
        e["severity"] = severity;
        e["time"] = start;
        e["start_time"] = start;
        e["end_time"] = r.Timestamp.AddTicks(r.DurationMicros * 10).ToUnixTimeMilliseconds();
        e["duration"] = r.DurationMicros / 1000;
        e["status_id"] = statusId;
        e["status"] = status;
        if (detail is not null)
        {
            e["status_detail"] = detail;
        }

        e["message"] = Message(r);
        e["metadata"] = Metadata(r, profiles);
        e["unmapped"] = Unmapped(r);
        return e;
    }

    private JsonObject Api(AuditRecord r, JsonArray profiles)
    {
        var (activityId, activity) = r.Input.Method switch
        {
            "tools/list" or "prompts/list" or "resources/list" or "resources/templates/list" or "resources/read" or "prompts/get" => (2, "Read"),
            var m when r.Source == AuditSource.Admin && m.StartsWith("config/", StringComparison.Ordinal) => (3, "Update"),
            var m => (99, m),
        };
        var data = new JsonObject { ["method"] = r.Input.Method };
        Put(data, "arguments", r.Input.Arguments?.DeepClone());
        Put(data, "justification", r.Input.Justification);
        var request = new JsonObject { ["uid"] = r.RequestId ?? r.Id, ["data"] = data };
        var api = new JsonObject
        {
            ["operation"] = r.Input.Method == "tools/call" && r.Input.Name is { } tool ? tool : r.Input.Method,
            ["service"] = new JsonObject { ["name"] = r.Input.Server ?? "warden" },
            ["request"] = request,
        };
        if (r.Output?.Error is { } error)
        {
            var colon = error.IndexOf(':', StringComparison.Ordinal);
            api["response"] = new JsonObject
            {
                ["error"] = colon > 0 && int.TryParse(error.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code.ToString(CultureInfo.InvariantCulture) : "tool_error",
                ["error_message"] = error,
            };
        }

        var e = Event(6, "Application Activity", 6003, "API Activity", activityId, activity);
        e["actor"] = Actor(r);
        e["api"] = api;
        e["src_endpoint"] = new JsonObject { ["name"] = r.Model?.Agent ?? "unknown" };
        if (r.Input.Server is { } server)
        {
            e["dst_endpoint"] = new JsonObject { ["svc_name"] = server };
        }

        var resources = new JsonArray();
        foreach (var resource in r.DataAccessed)
        {
            resources.Add(new JsonObject { ["name"] = resource.Value, ["type"] = resource.Kind });
        }

        if (resources.Count > 0)
        {
            e["resources"] = resources;
        }

        if (r.TraceId is { } trace)
        {
            e["trace"] = new JsonObject { ["uid"] = trace };
            profiles.Add("trace");
        }

        AiOperation(e, r, profiles, aiRole: r.Source == AuditSource.Llm ? (2, "Assistant") : (3, "Tool"));
        return e;
    }

    private static JsonObject FileSystem(AuditRecord r, ToolOperation operation)
    {
        var (activityId, activity) = operation.Kind switch
        {
            ToolOperationKind.Read => (2, "Read"),
            ToolOperationKind.Move => (5, "Rename"),
            ToolOperationKind.CreateDirectory => (1, "Create"),
            _ => (3, "Update"),
        };
        var e = Event(1, "System Activity", 1001, "File System Activity", activityId, activity);
        e["actor"] = Actor(r);
        e["device"] = Device(r);
        e["file"] = File(operation.Path!, operation.Kind == ToolOperationKind.CreateDirectory);
        if (operation.Destination is { } destination)
        {
            e["file_result"] = File(destination, directory: false);
        }

        var diff = r.Output?.Diff ?? (operation.Kind == ToolOperationKind.Edit ? FileChanges.EditDiff(operation) : null);
        if (!string.IsNullOrEmpty(diff))
        {
            e["file_diff"] = diff;
        }

        return e;
    }

    private static JsonObject Process(AuditRecord r, ToolOperation operation, JsonArray profiles)
    {
        var e = Event(1, "System Activity", 1007, "Process Activity", 1, "Launch");
        e["actor"] = Actor(r);
        e["device"] = Device(r);
        e["process"] = new JsonObject { ["cmd_line"] = operation.Command, ["uid"] = r.Id };
        if (r.Output?.ExitCode is { } exitCode)
        {
            e["exit_code"] = exitCode;
        }

        AiOperation(e, r, profiles, aiRole: (3, "Tool"));
        return e;
    }

    private static JsonObject Authentication(AuditRecord r)
    {
        // Warden's identity events (auth/…): a sign-in or a refused credential is a logon attempt (its status says how it
        // went), a token Warden issued is an authentication ticket; key, client, consent and credential changes are Other.
        var (activityId, activity) = r.Input.Method.ToLowerInvariant() switch
        {
            "auth/login" or "auth/login_failed" or "auth/refused" or "login" or "sign-in" or "signin" or "logon" => (1, "Logon"),
            "auth/logout" or "logout" or "sign-out" or "signout" or "logoff" => (2, "Logoff"),
            "auth/token" => (3, "Authentication Ticket"),
            var m => (99, m),
        };
        var (protocolId, protocol) = r.User.AuthMethod switch
        {
            "oidc" => (4, "OpenID"),
            "oauth" or "oauth2" => (6, "OAUTH 2.0"),
            "saml" => (5, "SAML"),
            "password" => (11, "Basic Authentication"),
            var other => (99, other),
        };
        var e = Event(3, "Identity & Access Management", 3002, "Authentication", activityId, activity);
        e["user"] = User(r.User);
        e["actor"] = Actor(r);
        e["service"] = new JsonObject { ["name"] = "warden" };
        e["auth_protocol_id"] = protocolId;
        e["auth_protocol"] = protocol;
        if (r.SessionId is { } session)
        {
            e["session"] = new JsonObject { ["uid"] = session };
        }

        return e;
    }

    private static void AiOperation(JsonObject e, AuditRecord r, JsonArray profiles, (int Id, string Name) aiRole)
    {
        var context = new JsonObject { ["ai_role_id"] = aiRole.Id, ["ai_role"] = aiRole.Name };
        if (r.Model?.Agent is { } agent)
        {
            context["application"] = Put(new JsonObject { ["name"] = agent }, "version", r.Model.AgentVersion);
        }

        if (r.Input.Server is { } server)
        {
            context["service"] = new JsonObject { ["name"] = server };
        }

        if (r.SessionId is { } session)
        {
            context["uid"] = session;
        }

        var any = false;
        if (context.ContainsKey("application") || context.ContainsKey("service"))
        {
            e["message_context"] = context;
            any = true;
        }

        if (r.Model?.Model is { } model)
        {
            e["ai_model"] = Put(new JsonObject { ["name"] = model, ["ai_provider"] = Provider(model) }, "version", r.Model.ModelVersion);
            any = true;
        }

        if (any)
        {
            profiles.Add("ai_operation");
        }
    }

    // ai_model.ai_provider is required; records name the model only, so the provider is read from well-known prefixes.
    private static string Provider(string model) => model.ToLowerInvariant() switch
    {
        var m when m.StartsWith("claude", StringComparison.Ordinal) => "Anthropic",
        var m when m.StartsWith("gpt", StringComparison.Ordinal) || m.StartsWith("o1", StringComparison.Ordinal) || m.StartsWith("o3", StringComparison.Ordinal) || m.StartsWith("o4", StringComparison.Ordinal) => "OpenAI",
        var m when m.StartsWith("gemini", StringComparison.Ordinal) => "Google",
        var m when m.StartsWith("mistral", StringComparison.Ordinal) || m.StartsWith("codestral", StringComparison.Ordinal) => "Mistral AI",
        _ => "Unknown",
    };

    private static (int Id, string Name) Severity(AuditRecord r) => r.Decision switch
    {
        { Effect: AuditEffect.Deny, Mode: AuditMode.Enforce } => (3, "Medium"),
        { Effect: AuditEffect.Deny } => (2, "Low"),
        _ when r.Output?.Error is not null => (2, "Low"),
        _ => (1, "Informational"),
    };

    private static (int Id, string Name, string? Detail) Status(AuditRecord r) => r.Decision switch
    {
        { Effect: AuditEffect.Deny, Mode: AuditMode.Enforce } => (2, "Failure", "denied by policy" + (r.Decision.Reason is { } why ? ": " + why : "")),
        _ when r.Output?.Error is { } error => (2, "Failure", error),
        _ => (1, "Success", null),
    };

    private static string Message(AuditRecord r)
    {
        var target = r.Input.Server is { } server ? $" {server}/{r.Input.Name}" : r.Input.Name is { } name ? " " + name : "";
        var verdict = r.Decision.Effect == AuditEffect.Allow ? "allowed" : r.Decision.Mode == AuditMode.Monitor ? "denied (monitor only)" : "denied";
        return $"{r.User.Subject} {r.Input.Method}{target}: {verdict}" + (r.Output?.Error is { } error ? $", failed: {error}" : "");
    }

    private JsonObject Metadata(AuditRecord r, JsonArray profiles)
    {
        var metadata = new JsonObject
        {
            ["version"] = SchemaVersion,
            ["product"] = new JsonObject { ["name"] = "Warden", ["vendor_name"] = "Warden", ["version"] = productVersion },
            ["uid"] = r.Id,
            ["log_name"] = "audit",
            ["original_time"] = AuditRecordEncoder.FormatTimestamp(r.Timestamp),
        };
        if (r.SessionId is { } session)
        {
            metadata["correlation_uid"] = session;
        }

        if (profiles.Count > 0)
        {
            metadata["profiles"] = profiles;
        }

        return metadata;
    }

    // What OCSF has no attribute for, kept so an event leads back to its verifiable record.
    private static JsonObject Unmapped(AuditRecord r)
    {
        var warden = new JsonObject
        {
            ["seq"] = r.Seq,
            ["hash"] = r.Hash,
            ["prev_hash"] = r.PrevHash,
            ["source"] = AuditRecordEncoder.Name(r.Source),
            ["method"] = r.Input.Method,
            ["decision_mode"] = AuditRecordEncoder.Name(r.Decision.Mode),
        };
        if (r.Output?.ContentSha256 is { } sha)
        {
            warden["output_sha256"] = sha;
        }

        if (r.User.OnBehalfOf is { } onBehalfOf)
        {
            warden["on_behalf_of"] = onBehalfOf;
        }

        if (r.Redactions is { Count: > 0 } redactions)
        {
            var counts = new JsonObject();
            foreach (var (rule, count) in redactions.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                counts[rule] = count;
            }

            warden["redactions"] = counts;
        }

        if (r.Model is { } model)
        {
            var identity = new JsonObject();
            Put(identity, "model", model.Model);
            Put(identity, "model_version", model.ModelVersion);
            Put(identity, "agent", model.Agent);
            Put(identity, "agent_version", model.AgentVersion);
            warden["model"] = identity;
        }

        return new JsonObject { ["warden"] = warden };
    }
}
