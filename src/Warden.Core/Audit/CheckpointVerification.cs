namespace Warden.Core.Audit;

/// <summary>The outcome of opening a signed checkpoint: the checkpoint and the keys that signed it, or the problem.</summary>
public readonly record struct CheckpointVerification(Checkpoint? Checkpoint, IReadOnlyList<NoteVerifier> SignedBy, string? Problem)
{
    /// <summary>True when the checkpoint is well formed and signed by a trusted key.</summary>
    public bool IsVerified => Problem is null;
}
