namespace Warden.Core.Identity;

/// <summary>
/// Keeps upstream credentials sealed under the identity key (outside the database) and opens them only to connect.
/// The sealed value is bound to its server and subject, so a row copied onto another user's does not open.
/// </summary>
public sealed class UpstreamCredentialService(IUpstreamCredentialStore store, IdentityKey key, TimeProvider time)
{
    /// <summary>The longest secret accepted (tokens are far shorter; this bounds what a user can make Warden store).</summary>
    public const int MaxSecretLength = 16 * 1024;

    /// <summary>Stores (or replaces: rotation) a secret; returns a problem to show the user, or null.</summary>
    public async ValueTask<string?> SetAsync(string server, string subject, string secret, string by, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return "The secret is empty; paste the token or key itself.";
        }

        if (secret.Length > MaxSecretLength)
        {
            return $"The secret is longer than {MaxSecretLength} characters; a token or key is far shorter. Check what was pasted.";
        }

        if (secret.Any(c => c is '\r' or '\n' || char.IsControl(c)))
        {
            return "The secret contains a line break or control character, which no header or environment variable can carry; paste it on one line.";
        }

        await store.SetAsync(server, subject, key.SealCredential(secret, Context(server, subject)), time.GetUtcNow(), by, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>The secret of <paramref name="subject"/> for <paramref name="server"/>, or null when none is stored (or it no longer opens).</summary>
    public async ValueTask<string?> OpenAsync(string server, string subject, CancellationToken cancellationToken)
    {
        var sealedSecret = await store.GetSealedAsync(server, subject, cancellationToken).ConfigureAwait(false);
        return sealedSecret is null ? null : key.OpenCredential(sealedSecret, Context(server, subject));
    }

    public ValueTask<IReadOnlyList<UpstreamCredential>> ListAsync(string? server, string? subject, CancellationToken cancellationToken) =>
        store.ListAsync(server, subject, cancellationToken);

    public ValueTask<bool> DeleteAsync(string server, string subject, CancellationToken cancellationToken) => store.DeleteAsync(server, subject, cancellationToken);

    private static string Context(string server, string subject) => $"warden-upstream-credential\0{server}\0{subject}";
}
