namespace Warden.Core.Audit.Retention;

/// <summary>
/// What a prune did (or, for a dry run, would do): the records whose content was removed, those due but kept by a
/// legal hold, the lifecycle record that lists them and the checkpoint signed with it.
/// </summary>
/// <param name="Pruned">The seqs pruned (or due, on a dry run).</param>
/// <param name="Held">How many records past retention a legal hold kept.</param>
/// <param name="ByRule">How many records each retention rule made due.</param>
/// <param name="RecordSeqs">The seqs of the prune records appended (empty on a dry run or when nothing was due).</param>
/// <param name="CheckpointSize">The tree size of the checkpoint signed with the last prune record (0 when none).</param>
public sealed record PruneResult(SeqRanges Pruned, long Held, IReadOnlyDictionary<string, long> ByRule, IReadOnlyList<long> RecordSeqs, long CheckpointSize);
