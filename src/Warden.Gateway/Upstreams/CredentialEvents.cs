using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Identity;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Upstreams;

/// <summary>The audit records of upstream credential changes (<c>auth/upstream_credential</c>): whose, for which server, what was done; never the secret.</summary>
public static class CredentialEvents
{
    public const string Set = "set";
    public const string Deleted = "delete";

    public static AuditRecord Record(string action, string server, string subject, AuditUserIdentity actor, TimeProvider time) => new()
    {
        Id = AuditRecord.NewId(time),
        Timestamp = time.GetUtcNow(),
        Source = AuditSource.Auth,
        Input = new AuditInput { Method = AuthEvents.UpstreamCredential, Server = server, Arguments = Arguments(action, server, subject) },
        User = actor,
        Decision = new AuditDecision { Effect = AuditEffect.Allow, Reason = Reason(action, server, subject) },
    };

    public static JsonObject Arguments(string action, string server, string subject) => new()
    {
        ["action"] = action,
        ["server"] = server,
        ["for"] = subject == UpstreamCredential.SharedSubject ? "everyone (shared)" : subject,
    };

    public static string Reason(string action, string server, string subject) =>
        $"upstream credential for server {server} ({(subject == UpstreamCredential.SharedSubject ? "shared" : subject)}) {(action == Set ? "stored" : "deleted")}";
}
