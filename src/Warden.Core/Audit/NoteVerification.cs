namespace Warden.Core.Audit;

/// <summary>The outcome of opening a signed note: the note and who vouched for it, or the first problem found.</summary>
public readonly record struct NoteVerification(SignedNote? Note, IReadOnlyList<NoteVerifier> VerifiedBy, string? Problem)
{
    /// <summary>True when the note is well formed and at least one trusted key's signature verified (and none failed).</summary>
    public bool IsVerified => Problem is null;

    internal static NoteVerification Failed(SignedNote? note, string problem) => new(note, [], problem);
}
