using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Core.Audit.Extraction;
using Warden.Core.Audit.Redaction;
using Warden.Core.Pipeline;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Pipeline;

/// <summary>Turns one MCP request, its decision and its response into an audit record, secrets masked.</summary>
internal static class McpAuditRecord
{
    public static AuditRecord Create(McpAction action, Decision decision, JsonRpcMessageWithId response, DateTimeOffset startedAt, TimeSpan duration, int maxOutputChars, TimeProvider time, string? traceId, SecretRedactor redactor, ResourceExtractor? extractor = null)
    {
        // Data accessed is extracted from the original arguments and result (a masked value names nothing); then
        // every field from the client or the upstream is redacted, output first so its hash covers the redacted whole.
        var tally = new RedactionTally();
        var output = Output(response, maxOutputChars, redactor, tally);
        var record = Build(action, decision, output, startedAt, duration, time, traceId) with { DataAccessed = DataAccessed(action, response, extractor ?? ResourceExtractor.Default) };
        return AuditRecordRedaction.Apply(record, redactor, tally);
    }

    private static AuditRecord Build(McpAction action, Decision decision, AuditOutput? output, DateTimeOffset startedAt, TimeSpan duration, TimeProvider time, string? traceId) => new()
    {
        Id = AuditRecord.NewId(time),
        Timestamp = startedAt,
        DurationMicros = (long)duration.TotalMicroseconds,
        Source = AuditSource.Mcp,
        SessionId = action.SessionId,
        RequestId = action.RequestId,
        TraceId = traceId,
        Input = new AuditInput { Method = action.Method, Name = action.Name, Server = action.Server, Arguments = action.Arguments, Justification = action.Justification },
        Output = output,
        Model = action.ClientName is null ? null : new AuditModelIdentity { Agent = action.ClientName, AgentVersion = action.ClientVersion },
        User = action.Caller.ToAuditIdentity(),
        Decision = new AuditDecision
        {
            Effect = decision.IsAllowed ? AuditEffect.Allow : AuditEffect.Deny,
            RuleIds = decision.RuleIds,
            Reason = decision.Reason,
        },
    };

    private static IReadOnlyList<AuditResource> DataAccessed(McpAction action, JsonRpcMessageWithId response, ResourceExtractor extractor)
    {
        var result = (response as JsonRpcResponse)?.Result;
        var found = action.Method switch
        {
            RequestMethods.ToolsCall => extractor.Extract(action.Server, action.Name, action.Arguments, result),
            RequestMethods.PromptsGet => extractor.Extract(action.Server, action.Name, action.Arguments, null),
            _ => [],
        };

        // A resource read touches the resource itself: a file for file:// URIs, else the URI as a resource.
        if (action.Method is RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe && action.Name is { } uri)
        {
            return Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.IsFile
                ? [new AuditResource { Kind = AuditResourceKind.File, Value = PathNormalizer.Normalize(parsed.LocalPath) }]
                : [new AuditResource { Kind = "resource", Value = uri }];
        }

        return found;
    }

    // The result as the bytes it was parsed from (see RawJson): re-serialising a 100 KB result costs more than the rest of the record.
    private static ReadOnlySpan<byte> Utf8(JsonNode result)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            RawJson.Write(writer, result, McpJsonSerialization.Options);
        }

        return buffer.WrittenSpan;
    }

    private static AuditOutput? Output(JsonRpcMessageWithId response, int maxOutputChars, SecretRedactor redactor, RedactionTally tally) => response switch
    {
        JsonRpcError error => new AuditOutput { Error = $"{error.Error.Code}: {error.Error.Message}" },
        JsonRpcResponse { Result: JsonObject result } => AuditOutput.FromJsonUtf8(Utf8(result), maxOutputChars, redactor, tally) with
        {
            Error = result["isError"] is JsonValue v && v.TryGetValue<bool>(out var isError) && isError ? "The tool reported an error (isError)." : null,
        },
        JsonRpcResponse { Result: { } other } => AuditOutput.FromJsonUtf8(Utf8(other), maxOutputChars, redactor, tally),
        _ => null,
    };
}
