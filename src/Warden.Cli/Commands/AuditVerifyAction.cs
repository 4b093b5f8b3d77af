using Warden.Core.Audit;
using Warden.Core.Audit.Spool;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit verify</c>: checks every record against the hash chain and the signed checkpoints and, with
/// <c>--from</c>, proves the log only grew since a checkpoint an auditor saved. Prints the verdict first.
/// </summary>
internal static class AuditVerifyAction
{
    public static async Task<int> RunAsync(AuditLog log, FileInfo? savedCheckpoint, CancellationToken cancellationToken)
    {
        string? saved = null;
        if (savedCheckpoint is not null)
        {
            if (!savedCheckpoint.Exists)
            {
                Console.Error.WriteLine($"--from '{savedCheckpoint.FullName}' does not exist; pass a checkpoint saved earlier with `warden audit checkpoint > FILE`.");
                return AuditLog.UsageError;
            }

            saved = await File.ReadAllTextAsync(savedCheckpoint.FullName, cancellationToken);
        }

        var notes = await log.Reader.CheckpointsAsync(cancellationToken);
        var result = await new AuditVerifier(log.Keys, log.Origin).VerifyStoredAsync(log.Reader.ReadEncodedAsync(1, cancellationToken), notes, cancellationToken);
        if (!result.IsIntact)
        {
            await ReportBrokenAsync(log, result, notes, cancellationToken);
            return AuditLog.Broken;
        }

        var pruned = result.RecordsPruned == 0 ? "" : $" ({result.RecordsPruned} pruned: content removed by retention, each accounted for by a signed prune record)";
        Console.Out.WriteLine($"intact: {result.RecordsVerified} records{pruned}, checkpoint at {result.CheckpointSize}");
        Console.Out.WriteLine($"  log {log.DatabasePath}; checkpoints trusted from {log.KeySource}");
        if (result.RecordsVerified > result.CheckpointSize)
        {
            Console.Out.WriteLine($"  seq {result.CheckpointSize + 1}..{result.RecordsVerified} come after the last signed checkpoint: the hash chain covers them, "
                + "but removing them would not show until the next checkpoint (or against a checkpoint saved later, with --from)");
        }

        if (SpoolingAuditStore.CountSpooled(SpoolingAuditStore.SpoolPathFor(log.DatabasePath)) is > 0 and var spooled)
        {
            Console.Out.WriteLine($"  {spooled} more records wait in {SpoolingAuditStore.SpoolPathFor(log.DatabasePath)} (audit.onFailure: open): they are not in the log yet, "
                + "and get their seq and hashes when Warden replays them into it");
        }

        return saved is null ? 0 : await CheckConsistencyAsync(log, saved, savedCheckpoint!.FullName, result.RecordsVerified, cancellationToken);
    }

    private static async Task<int> CheckConsistencyAsync(AuditLog log, string savedNote, string savedPath, long records, CancellationToken cancellationToken)
    {
        var opened = Checkpoint.Open(savedNote, log.Keys, log.Origin);
        if (!opened.IsVerified)
        {
            Console.Error.WriteLine($"The saved checkpoint '{savedPath}' does not verify with the trusted keys ({log.KeySource}): {opened.Problem}. "
                + "Pass the key that signed it with --key.");
            return AuditLog.UsageError;
        }

        var old = opened.Checkpoint!;
        var checkpoints = await log.OpenCheckpointsAsync(cancellationToken);
        var latest = checkpoints.Count > 0 ? checkpoints[^1] : null;
        var oldRoot = Convert.ToHexStringLower(old.RootHash);
        if (old.TreeSize == 0)
        {
            Console.Out.WriteLine("consistent: the saved checkpoint is of the empty log, which every log extends");
            return 0;
        }

        if (latest is null || latest.TreeSize < old.TreeSize)
        {
            var latestText = latest is null ? "the log holds no signed checkpoint" : $"the log's latest signed checkpoint covers {latest.TreeSize}";
            var recordsText = records < old.TreeSize
                ? $"and it holds {records} records: seq {records + 1}..{old.TreeSize} were removed from the tail, with the checkpoints that covered them"
                : "though the records reach that far: the checkpoints after it were removed";
            Console.Out.WriteLine($"broken: not consistent with the saved checkpoint (size {old.TreeSize}, root {oldRoot}): {latestText}, {recordsText}");
            return AuditLog.Broken;
        }

        var prover = new MerkleProver(log.Leaves);
        var proof = await prover.ConsistencyProofAsync(old.TreeSize, latest.TreeSize, cancellationToken);
        if (!MerkleProof.VerifyConsistency(old.TreeSize, latest.TreeSize, old.RootHash, latest.RootHash, proof))
        {
            Console.Out.WriteLine($"broken: not consistent with the saved checkpoint (size {old.TreeSize}, root {oldRoot}): the log's first {old.TreeSize} records "
                + $"are not the ones that checkpoint signed, so the log (and its checkpoint at {latest.TreeSize}) was rewritten after it was saved");
            return AuditLog.Broken;
        }

        Console.Out.WriteLine($"consistent: the log only grew since the saved checkpoint (size {old.TreeSize} -> {latest.TreeSize}, consistency proof of {proof.Count} hashes verified against both roots)");
        return 0;
    }

    private static async Task ReportBrokenAsync(AuditLog log, AuditVerificationResult result, IReadOnlyList<string> notes, CancellationToken cancellationToken)
    {
        var record = result.FirstBrokenSeq is { } seq && result.Kind != AuditProblemKind.ForgedCheckpoint ? await RecordAtPositionAsync(log, seq, cancellationToken) : null;
        ReportBroken(result, notes, log.Keys, log.Origin, record, $"log {log.DatabasePath}");
    }

    /// <summary>
    /// Prints the verdict on a broken log or bundle: the first problem, named by seq and id (<paramref name="record"/> is
    /// the one found where it is), then how much was checked before stopping and where (<paramref name="location"/>).
    /// </summary>
    internal static void ReportBroken(AuditVerificationResult result, IReadOnlyList<string> notes, IReadOnlyList<NoteVerifier> keys, string? origin, AuditRecord? record, string location)
    {
        switch (result.Kind)
        {
            case AuditProblemKind.ForgedCheckpoint:
                Console.Out.WriteLine($"broken: forged checkpoint{ForgedCheckpointSize(keys, origin, notes)}: {result.Problem}");
                Console.Out.WriteLine($"  no record was checked: every checkpoint must verify first; {location}");
                return;
            case AuditProblemKind.ManifestMismatch:
                Console.Out.WriteLine($"broken: the manifest does not match the bundle: {result.Problem}");
                Console.Out.WriteLine($"  checked before stopping: {result.RecordsVerified} records by hash, chain and proof; {location}");
                return;
        }

        if (result.FirstBrokenSeq is not { } seq)
        {
            Console.Out.WriteLine($"broken: {Describe(result.Kind)}: {result.Problem}");
        }
        else
        {
            var name = record is null ? "no record there"
                : record.Seq == seq ? $"id {record.Id}"
                : $"the record in its place is seq {record.Seq}, id {record.Id}";
            Console.Out.WriteLine($"broken: first broken record seq {seq} ({name}), {Describe(result.Kind)}: {result.Problem}");
        }

        Console.Out.WriteLine($"  checked before stopping: {result.RecordsVerified} records by hash and chain, "
            + (result.CheckpointSize == 0 ? "none yet against a signed checkpoint" : $"seq 1..{result.CheckpointSize} also against signed checkpoints")
            + $"; {location}");
    }

    // The verifier reports by position in seq order; the record found there is the one it could not accept.
    private static async Task<AuditRecord?> RecordAtPositionAsync(AuditLog log, long position, CancellationToken cancellationToken)
    {
        var index = 0L;
        await foreach (var record in log.Reader.ReadAsync(1, cancellationToken))
        {
            if (++index == position)
            {
                return record;
            }
        }

        return null;
    }

    private static string ForgedCheckpointSize(IReadOnlyList<NoteVerifier> keys, string? origin, IReadOnlyList<string> notes)
    {
        foreach (var note in notes)
        {
            if (!Checkpoint.Open(note, keys, origin).IsVerified)
            {
                // Unverified, so only what the note claims; enough to find the row.
                return SignedNote.TryParse(note, out var parsed, out _) && Checkpoint.TryParseText(parsed.Text, out var claimed, out _)
                    ? $" (the one claiming tree size {claimed.TreeSize})"
                    : " (an unreadable one)";
            }
        }

        return "";
    }

    private static string Describe(AuditProblemKind kind) => kind switch
    {
        AuditProblemKind.EditedRecord => "edited",
        AuditProblemKind.MissingRecord => "records missing",
        AuditProblemKind.OutOfOrderRecord => "inserted or reordered",
        AuditProblemKind.BrokenChain => "chain broken",
        AuditProblemKind.RootMismatch => "root does not match a signed checkpoint",
        AuditProblemKind.TruncatedTail => "tail truncated",
        AuditProblemKind.NotInCheckpoint => "not proven by the signed checkpoint",
        AuditProblemKind.UnaccountedPrune => "pruned outside Warden",
        _ => kind.ToString(),
    };
}
