using System.Text.Json;
using Warden.Core.Audit;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit prove --record ID</c>: an RFC 6962 inclusion proof of one record against the latest signed
/// checkpoint, verified before it is printed, as JSON an auditor can check with any RFC 6962 implementation.
/// </summary>
internal static class AuditProveAction
{
    public static async Task<int> RunAsync(AuditLog log, string id, CancellationToken cancellationToken)
    {
        var record = await log.Reader.FindAsync(id, cancellationToken);
        if (record is null)
        {
            Console.Error.WriteLine($"No record with id '{id}' in {log.DatabasePath}.");
            return AuditLog.UsageError;
        }

        if (record.Pruned is { } pruned)
        {
            Console.Error.WriteLine($"Record {id} (seq {record.Seq}) was pruned at {AuditRecordEncoder.FormatTimestamp(pruned.At)}: its content is gone, so there is no record to prove; "
                + "its leaf hash stays in the tree and `warden audit verify` checks it.");
            return AuditLog.UsageError;
        }

        var notes = await log.Reader.CheckpointsAsync(cancellationToken);
        if (notes.Count == 0)
        {
            Console.Error.WriteLine("The log has no signed checkpoint yet to prove against; Warden signs one every audit.checkpointEvery records, audit.checkpointInterval, and at shutdown.");
            return AuditLog.UsageError;
        }

        var opened = Checkpoint.Open(notes[^1], log.Keys, log.Origin);
        if (!opened.IsVerified)
        {
            Console.Out.WriteLine($"broken: the latest checkpoint does not verify ({opened.Problem}); run `warden audit verify`.");
            return AuditLog.Broken;
        }

        var checkpoint = opened.Checkpoint!;
        if (record.Seq > checkpoint.TreeSize)
        {
            Console.Error.WriteLine($"Record {id} is seq {record.Seq}, after the latest signed checkpoint (size {checkpoint.TreeSize}); prove it once the next checkpoint is signed.");
            return AuditLog.UsageError;
        }

        var canonical = AuditRecordEncoder.Canonicalize(record);
        if (AuditRecordEncoder.ComputeHash(record) != record.Hash)
        {
            Console.Out.WriteLine($"broken: record seq {record.Seq} (id {id}) was edited: its content does not hash to its hash field; run `warden audit verify`.");
            return AuditLog.Broken;
        }

        var leaf = MerkleHash.Leaf(canonical);
        IReadOnlyList<byte[]> proof;
        try
        {
            proof = await new MerkleProver(log.Leaves).InclusionProofAsync(record.Seq - 1, checkpoint.TreeSize, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Console.Out.WriteLine($"broken: {ex.Message}");
            return AuditLog.Broken;
        }

        if (!MerkleProof.VerifyInclusion(record.Seq - 1, checkpoint.TreeSize, leaf, proof, checkpoint.RootHash))
        {
            Console.Out.WriteLine($"broken: record seq {record.Seq} (id {id}) is not in the tree the checkpoint of size {checkpoint.TreeSize} signs; run `warden audit verify`.");
            return AuditLog.Broken;
        }

        using var stdout = Console.OpenStandardOutput();
        await using (var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WritePropertyName("record");
            json.WriteRawValue(AuditRecordEncoder.Encode(record));
            json.WriteNumber("leaf_index", record.Seq - 1);
            json.WriteNumber("tree_size", checkpoint.TreeSize);
            json.WriteString("leaf_hash", Convert.ToHexStringLower(leaf));
            json.WriteStartArray("proof");
            foreach (var hash in proof)
            {
                json.WriteStringValue(Convert.ToHexStringLower(hash));
            }

            json.WriteEndArray();
            json.WriteString("root_hash", Convert.ToHexStringLower(checkpoint.RootHash));
            json.WriteString("checkpoint", notes[^1]);
            json.WriteEndObject();
        }

        await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
        return 0;
    }
}
