namespace Warden.Core.Identity;

/// <summary>
/// A stored upstream credential, as listed: whose, for which server, when it was set and by whom. Never the secret:
/// that stays sealed in the store and is opened only to connect (<see cref="UpstreamCredentialService.OpenAsync"/>).
/// </summary>
public sealed record UpstreamCredential(string Server, string Subject, DateTimeOffset Created, DateTimeOffset Updated, string UpdatedBy)
{
    /// <summary>The subject a shared credential is stored under (a real subject is never this).</summary>
    public const string SharedSubject = "*";

    public bool Shared => Subject == SharedSubject;
}
