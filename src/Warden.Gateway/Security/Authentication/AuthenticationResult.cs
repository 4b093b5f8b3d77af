using Warden.Core.Pipeline;

namespace Warden.Gateway.Security.Authentication;

/// <summary>What one authenticator made of a request's credentials.</summary>
public enum AuthenticationStatus
{
    /// <summary>The request carries no credential this authenticator handles; the next one is asked.</summary>
    NoCredential,

    /// <summary>The credential is valid; <see cref="AuthenticationResult.Caller"/> is set.</summary>
    Succeeded,

    /// <summary>The credential is this authenticator's kind but invalid (expired, revoked, bad signature): 401 <c>invalid_token</c>.</summary>
    Failed,

    /// <summary>The credential is valid but lacks what the request needs: 403 <c>insufficient_scope</c>.</summary>
    Forbidden,

    /// <summary>Too many refused credentials from this client: 429 with <c>Retry-After</c>; the credential was not checked.</summary>
    Throttled,

    /// <summary>The credential cannot be checked right now (the identity database or the IdP is unreachable): 503, retry; never admitted.</summary>
    Unavailable,
}

/// <summary>
/// The outcome of authenticating a request, as a value. <see cref="Error"/> is the OAuth error code for the
/// <c>WWW-Authenticate</c> challenge (RFC 6750 §3.1); <see cref="Description"/> tells the user what to do and never
/// contains the credential.
/// </summary>
public readonly record struct AuthenticationResult(AuthenticationStatus Status, Caller? Caller, string? Error, string? Description, string? Scope = null, TimeSpan? RetryAfter = null)
{
    /// <summary>The kind of credential the result is about (an <see cref="AuthMethods"/> value), for the audit record of a refusal.</summary>
    public string? Method { get; init; }

    /// <summary>A short, non-reversible fingerprint of the refused credential (never the credential), to tie repeated refusals together.</summary>
    public string? CredentialFingerprint { get; init; }

    /// <summary>True when the authenticator already wrote the refusal's audit record (so the identifier does not write a second).</summary>
    public bool Recorded { get; init; }

    public static AuthenticationResult NoCredential { get; } = new(AuthenticationStatus.NoCredential, null, null, null);

    public static AuthenticationResult Success(Caller caller) => new(AuthenticationStatus.Succeeded, caller, null, null);

    public static AuthenticationResult Fail(string description, string error = "invalid_token") => new(AuthenticationStatus.Failed, null, error, description);

    public static AuthenticationResult Forbid(string description, string? scope = null) => new(AuthenticationStatus.Forbidden, null, "insufficient_scope", description, scope);

    public static AuthenticationResult Unavailable(string description) => new(AuthenticationStatus.Unavailable, null, null, description, null, TimeSpan.FromSeconds(5));

    public static AuthenticationResult Throttle(TimeSpan retryAfter, string description) => new(AuthenticationStatus.Throttled, null, null, description, null, retryAfter);

    /// <summary>Whole seconds to put in <c>Retry-After</c> (at least 1).</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling((RetryAfter ?? TimeSpan.Zero).TotalSeconds));
}
