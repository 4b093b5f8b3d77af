namespace Warden.Core.Identity;

/// <summary>Sealed upstream credentials by (server, subject). Every provider passes the same contract tests.</summary>
public interface IUpstreamCredentialStore
{
    /// <summary>Stores or replaces the sealed secret of <paramref name="subject"/> for <paramref name="server"/>.</summary>
    ValueTask SetAsync(string server, string subject, byte[] sealedSecret, DateTimeOffset at, string by, CancellationToken cancellationToken);

    /// <summary>The sealed secret, or null when none is stored.</summary>
    ValueTask<byte[]?> GetSealedAsync(string server, string subject, CancellationToken cancellationToken);

    /// <summary>What is stored, optionally for one server and/or one subject; never the secrets.</summary>
    ValueTask<IReadOnlyList<UpstreamCredential>> ListAsync(string? server, string? subject, CancellationToken cancellationToken);

    /// <summary>Removes a credential; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string server, string subject, CancellationToken cancellationToken);
}
