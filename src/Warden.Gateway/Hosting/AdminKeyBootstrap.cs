using Microsoft.Extensions.Logging;
using Warden.Core.Audit;
using Warden.Core.Identity;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Hosting;

/// <summary>
/// Makes the admin key on Warden's first start (when the identity store never held one) and keeps it in memory for
/// the start-up banner, which prints it once; it is stored only hashed. Later starts make none: a lost admin key is
/// replaced with <c>warden keys rotate-admin</c>. Its creation is an audit record, like every key's.
/// </summary>
public sealed partial class AdminKeyBootstrap(ApiKeyService keys, IAuditStore audit, TimeProvider time, ILogger<AdminKeyBootstrap> logger)
{
    /// <summary>The admin key made by this start, or null when an earlier start made it.</summary>
    public ApiKeyIssued? Issued { get; private set; }

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        Issued = await keys.CreateFirstAdminAsync(cancellationToken).ConfigureAwait(false);
        if (Issued is null)
        {
            return;
        }

        LogCreated(Issued.Key.Id);
        var actor = new AuditUserIdentity { Subject = "warden", DisplayName = "Warden first start", AuthMethod = "local", Roles = ["operator"] };
        var result = await audit.AppendAsync(ApiKeyEvents.Record(AuthEvents.KeyCreated, Issued.Key, actor, time), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !result.Spooled)
        {
            LogNotRecorded(Issued.Key.Id, result.Error ?? "unknown");
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Admin key {KeyId} created on first start (printed once; stored hashed)")]
    private partial void LogCreated(string keyId);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Error, Message = "The creation of admin key {KeyId} could not be recorded in the audit log: {Error}")]
    private partial void LogNotRecorded(string keyId, string error);
}
