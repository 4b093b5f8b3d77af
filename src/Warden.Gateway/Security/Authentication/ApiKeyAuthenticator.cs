using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Warden.Core.Audit;
using Warden.Core.Identity;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer wdn_…</c> (Warden API keys, the admin key included); any other credential is
/// left to the next authenticator. Keys are looked up by their embedded id on every request (through
/// <see cref="ApiKeyService"/>'s one-second cache), so a revocation made anywhere is honoured at once. Refused keys are
/// rate limited per client address (<see cref="FailedAttemptLimiter"/>) and audited; the audit of refusals has a
/// budget of its own, so a flood from many addresses cannot fill the log.
/// </summary>
public sealed partial class ApiKeyAuthenticator(
    ApiKeyService keys,
    FailedAttemptLimiter limiter,
    AuthAuditor auditor,
    WardenState state,
    TimeProvider time,
    ILogger<ApiKeyAuthenticator> logger) : ICallerAuthenticator
{
    // Refusal records for all addresses together: a burst of 60, then one a second; the rest are counted.
    private readonly FailedAttemptLimiter _auditBudget = new(time, 60, TimeSpan.FromSeconds(1));
    private long _unrecorded;

    /// <summary>Only with <c>auth.apiKeys: true</c>; otherwise keys are honoured when presented and callers without one are the local user.</summary>
    public bool RequiresCredential => state.Config.Auth.ApiKeys;

    public async ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (PresentedKey(context.Request) is not { } token)
        {
            return AuthenticationResult.NoCredential;
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.RetryAfter(address) is { } wait)
        {
            var result = AuthenticationResult.Throttle(wait, $"Too many refused API keys from this address; try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s.");
            return result;
        }

        ApiKeyCheck check;
        try
        {
            check = await keys.CheckAsync(token, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            LogStoreFailed(ex.Message);
            return AuthenticationResult.Unavailable("Warden cannot check API keys right now (its identity database is unavailable); try again shortly.");
        }

        if (check.Status == ApiKeyCheckStatus.Valid)
        {
            return AuthenticationResult.Success(CallerOf(check.Key!));
        }

        var throttledNow = limiter.Refused(address);
        var (reason, description) = check.Status switch
        {
            ApiKeyCheckStatus.Malformed => ("malformed", $"The API key is malformed: a Warden key is {ApiKeyToken.Prefix} followed by {ApiKeyToken.Length - 4} letters, digits and one '_'. Copy it whole, or ask an admin for a new one."),
            ApiKeyCheckStatus.Revoked => ("revoked", $"The API key {check.Id} was revoked{At(check.Key!.Revoked)}; ask an admin for a new one."),
            ApiKeyCheckStatus.Expired => ("expired", $"The API key {check.Id} expired{At(check.Key!.Expires)}; ask an admin for a new one."),
            _ => ("unknown", "The API key is not valid (no such key, or mistyped). Check it, or ask an admin for a new one (`warden keys create`)."),
        };
        LogRefused(check.Id ?? "-", reason, address);
        if (throttledNow)
        {
            LogThrottled(address);
        }

        await RecordRefusalAsync(context, check, reason, throttledNow, cancellationToken).ConfigureAwait(false);
        return AuthenticationResult.Fail(description) with { Recorded = true };
    }

    /// <summary>The caller a valid key stands for, with the key's server and tool scope.</summary>
    public static Caller CallerOf(ApiKey key)
    {
        var caller = key.Kind switch
        {
            ApiKeyKind.Admin => new Caller(key.Subject, "Warden admin key", AuthMethods.AdminKey, key.Roles),
            ApiKeyKind.ServiceAccount => new Caller(key.Subject, key.Name, AuthMethods.ServiceAccount, key.Roles) { OnBehalfOf = key.OnBehalfOf },
            _ => new Caller(key.Subject, null, AuthMethods.ApiKey, key.Roles),
        };
        return caller with { CredentialId = key.Id, ServerScope = key.Servers, ToolScope = key.Tools };
    }

    /// <summary>The Warden key in <c>Authorization: Bearer</c>, or null when the request carries none (or another kind of credential).</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value.AsSpan(7).Trim();
        return ApiKeyToken.IsWardenKey(token) ? token.ToString() : null;
    }

    private async ValueTask RecordRefusalAsync(HttpContext context, ApiKeyCheck check, string reason, bool throttledNow, CancellationToken cancellationToken)
    {
        // The moment an address becomes throttled is always recorded; other refusals while the budget lasts.
        if (!throttledNow && _auditBudget.RetryAfter("all") is not null)
        {
            Interlocked.Increment(ref _unrecorded);
            return;
        }

        _auditBudget.Refused("all");
        var details = new JsonObject { ["credential"] = "api_key", ["reason"] = reason };
        if (check.Id is { } id)
        {
            details["key_id"] = id;
        }

        if (throttledNow)
        {
            details["rate_limited"] = true;
        }

        if (Interlocked.Exchange(ref _unrecorded, 0) is > 0 and var unrecorded)
        {
            details["unrecorded_refusals_before"] = unrecorded;
        }

        // Only a caller holding the key's secret learns (and is recorded as) the key's owner.
        var user = check.Key is { } key
            ? CallerOf(key).ToAuditIdentity()
            : new AuditUserIdentity { Subject = "unknown", AuthMethod = AuthMethods.ApiKey };
        await auditor.RecordAsync(AuthEvents.CredentialRefused, user, allowed: false,
            throttledNow ? $"API key refused ({reason}); this address is now rate limited" : $"API key refused ({reason})",
            details, context, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static string At(DateTimeOffset? at) =>
        at is { } value ? " at " + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "";

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "API key {KeyId} refused ({Reason}) from {Address}")]
    private partial void LogRefused(string keyId, string reason, string address);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Too many refused API keys from {Address}: its key attempts get 429 until it slows down")]
    private partial void LogThrottled(string address);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "API keys cannot be checked: the identity database failed ({Error})")]
    private partial void LogStoreFailed(string error);
}
