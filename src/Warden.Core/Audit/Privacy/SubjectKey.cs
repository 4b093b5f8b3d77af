namespace Warden.Core.Audit.Privacy;

/// <summary>One data subject's key: the random pseudonym that stands for them in records, the AES-256 key, and when it was made.</summary>
public sealed record SubjectKey(string Pseudonym, byte[] Key, DateTimeOffset Created);
