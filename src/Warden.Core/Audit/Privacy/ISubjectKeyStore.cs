namespace Warden.Core.Audit.Privacy;

/// <summary>
/// Where subject keys live: a table apart from the append-only records, so a key can be destroyed (crypto-shredding).
/// Subjects are found by their keyed lookup value, never by their id in clear.
/// </summary>
public interface ISubjectKeyStore
{
    /// <summary>The subject's key, made (with a new random pseudonym) when they have none.</summary>
    ValueTask<SubjectKey> GetOrCreateAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The subject's key, or null when they have none (never seen, or erased).</summary>
    ValueTask<SubjectKey?> FindAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The key a pseudonym stands for, or null when it was destroyed.</summary>
    ValueTask<SubjectKey?> FindByPseudonymAsync(string pseudonym, CancellationToken cancellationToken);
}
