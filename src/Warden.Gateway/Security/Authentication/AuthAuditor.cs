using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Warden.Core.Audit;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Writes the audit records of identity events (source <c>auth</c>): sign-ins, token issuance, refused credentials,
/// API key creation and revocation, client registration. The record's input method names the event
/// (<see cref="AuthEvents"/>), its arguments carry the event's details (never a secret: key ids and client ids, not
/// keys or tokens), and its decision says whether the attempt was allowed.
/// </summary>
public sealed partial class AuthAuditor(IAuditStore store, TimeProvider time, ILogger<AuthAuditor> logger)
{
    /// <summary>
    /// Appends one identity event. A failure to record is logged and returned (false), not thrown: the caller decides
    /// whether the action may go on without its record (a sign-in must not; a refused credential already is refused).
    /// </summary>
    public async ValueTask<bool> RecordAsync(string method, AuditUserIdentity user, bool allowed, string reason, JsonObject? details = null,
        HttpContext? http = null, IReadOnlyList<AuditResource>? resources = null, CancellationToken cancellationToken = default)
    {
        var record = new AuditRecord
        {
            Id = AuditRecord.NewId(time),
            Timestamp = time.GetUtcNow(),
            Source = AuditSource.Auth,
            RequestId = http?.TraceIdentifier,
            TraceId = Activity.Current?.TraceId.ToString(),
            Input = new AuditInput { Method = method, Arguments = WithClient(details, http) },
            DataAccessed = resources ?? [],
            User = user,
            Decision = new AuditDecision { Effect = allowed ? AuditEffect.Allow : AuditEffect.Deny, Reason = reason },
        };
        var result = await store.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !result.Spooled)
        {
            LogNotRecorded(method, result.Error ?? "unknown");
            return false;
        }

        return true;
    }

    // Where the attempt came from matters to an investigation of a brute-force or stolen-credential event.
    private static JsonObject? WithClient(JsonObject? details, HttpContext? http)
    {
        if (http is null)
        {
            return details;
        }

        details ??= [];
        details["client_address"] ??= http.Connection.RemoteIpAddress?.ToString();
        if (http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent)
        {
            details["user_agent"] ??= agent.Length > 256 ? agent[..256] : agent;
        }

        return details;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Identity event {Method} could not be recorded in the audit log: {Error}")]
    private partial void LogNotRecorded(string method, string error);
}

/// <summary>The input methods of identity audit records.</summary>
public static class AuthEvents
{
    /// <summary>A person signed in (at the IdP through Warden, or with a local password or the admin key).</summary>
    public const string Login = "auth/login";

    /// <summary>A sign-in attempt failed.</summary>
    public const string LoginFailed = "auth/login_failed";

    /// <summary>Warden issued an access or refresh token to a client.</summary>
    public const string TokenIssued = "auth/token";

    /// <summary>A request's credential was refused (invalid, expired, revoked, wrong audience, rate limited).</summary>
    public const string CredentialRefused = "auth/refused";

    /// <summary>An API key was created.</summary>
    public const string KeyCreated = "auth/key/create";

    /// <summary>An API key was revoked.</summary>
    public const string KeyRevoked = "auth/key/revoke";

    /// <summary>An OAuth client registered itself (RFC 7591) or was registered by an admin.</summary>
    public const string ClientRegistered = "auth/client/register";

    /// <summary>A user granted (or refused) a client access at the consent screen.</summary>
    public const string Consent = "auth/consent";

    /// <summary>An upstream credential was stored, replaced or removed for a user.</summary>
    public const string UpstreamCredential = "auth/upstream_credential";
}
