using System.Globalization;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Identity;
using Warden.Storage.Sqlite.Identity;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// How key creation and revocation read in the audit log and over the API, the same whether the CLI or the API made
/// them: the key's id, kind, owner, roles, scope and life, never the key or its hash.
/// </summary>
public static class ApiKeyEvents
{
    /// <summary>The data-accessed kind naming the key an event concerns.</summary>
    public const string ResourceKind = "api_key";

    /// <summary>The key as <c>GET /api/v1/keys</c> lists it and the audit record describes it.</summary>
    public static JsonObject Describe(ApiKey key) => new()
    {
        ["id"] = key.Id,
        ["kind"] = SqliteApiKeyStore.KindName(key.Kind),
        ["name"] = key.Name,
        ["subject"] = key.Subject,
        ["on_behalf_of"] = key.OnBehalfOf,
        ["roles"] = Array(key.Roles),
        ["servers"] = Array(key.Servers),
        ["tools"] = Array(key.Tools),
        ["created"] = Format(key.Created),
        ["created_by"] = key.CreatedBy,
        ["expires"] = key.Expires is { } expires ? Format(expires) : null,
        ["last_used"] = key.LastUsed is { } used ? Format(used) : null,
        ["revoked"] = key.Revoked is { } revoked ? Format(revoked) : null,
        ["revoked_by"] = key.RevokedBy,
    };

    /// <summary>The key as an audit record lists it among the data the event touched.</summary>
    public static AuditResource Resource(ApiKey key, string action) => new()
    {
        Kind = ResourceKind,
        Value = key.Id,
        Attributes = new Dictionary<string, string> { ["action"] = action, ["kind"] = SqliteApiKeyStore.KindName(key.Kind) },
    };

    /// <summary>The audit record of a key's creation or revocation, as the CLI appends it.</summary>
    public static AuditRecord Record(string method, ApiKey key, AuditUserIdentity actor, TimeProvider time)
    {
        var created = method == AuthEvents.KeyCreated;
        return new AuditRecord
        {
            Id = AuditRecord.NewId(time),
            Timestamp = time.GetUtcNow(),
            Source = AuditSource.Auth,
            Input = new AuditInput { Method = method, Arguments = Describe(key) },
            DataAccessed = [Resource(key, created ? "created" : "revoked")],
            User = actor,
            Decision = new AuditDecision { Effect = AuditEffect.Allow, Reason = Reason(method, key) },
        };
    }

    /// <summary>The decision reason of a key event.</summary>
    public static string Reason(string method, ApiKey key) =>
        $"{(key.Kind == ApiKeyKind.Admin ? "admin key" : "API key")} {key.Id} ({key.Name}) {(method == AuthEvents.KeyCreated ? "created" : "revoked")}";

    private static JsonArray Array(IReadOnlyList<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
