using System.Globalization;
using System.Text.Json.Nodes;

namespace Warden.Core.Audit.Bundles;

/// <summary>The files of an export bundle (<c>warden audit export --bundle</c>) and the proof lines it carries.</summary>
public static class AuditBundle
{
    public const string ManifestFile = "manifest.json";
    public const string RecordsFile = "records.jsonl";
    public const string KeysFile = "verifier-keys.txt";
    public const string ReadmeFile = "README.txt";
    public const string CheckpointsFolder = "checkpoints/";
    public const string InclusionProofsFile = "proofs/inclusion.jsonl";
    public const string ConsistencyProofsFile = "proofs/consistency.jsonl";

    /// <summary>The file a checkpoint of <paramref name="treeSize"/> records is kept in.</summary>
    public static string CheckpointFile(long treeSize) => string.Create(CultureInfo.InvariantCulture, $"{CheckpointsFolder}{treeSize:D12}.txt");

    /// <summary>One line of proofs/inclusion.jsonl: record <paramref name="seq"/> is leaf seq − 1 of the tree of <paramref name="treeSize"/> leaves.</summary>
    public static string InclusionLine(long seq, long treeSize, IReadOnlyList<byte[]> proof) =>
        new JsonObject { ["seq"] = seq, ["leaf_index"] = seq - 1, ["tree_size"] = treeSize, ["proof"] = Hex(proof) }.ToJsonString();

    /// <summary>One line of proofs/consistency.jsonl: the tree of <paramref name="oldSize"/> leaves is a prefix of the one of <paramref name="newSize"/>.</summary>
    public static string ConsistencyLine(long oldSize, long newSize, IReadOnlyList<byte[]> proof) =>
        new JsonObject { ["old_size"] = oldSize, ["new_size"] = newSize, ["proof"] = Hex(proof) }.ToJsonString();

    /// <summary>The README for the auditor: what the bundle holds and how to check it, with Warden or without.</summary>
    public static string Readme(AuditBundleManifest manifest)
    {
        var what = manifest.Complete
            ? $"the whole audit log, seq {manifest.FirstSeq?.ToString(CultureInfo.InvariantCulture) ?? "-"} to {manifest.LastSeq?.ToString(CultureInfo.InvariantCulture) ?? "-"}"
            : $"{manifest.RecordCount} records selected by {string.Join(", ", manifest.Filters.Select(f => $"{f.Key}={f.Value}"))}";
        return $$"""
            Warden audit export bundle
            ==========================

            Log:      {{manifest.Origin ?? "(unknown origin)"}}
            Contents: {{what}} ({{manifest.RecordCount}} records, {{manifest.CheckpointCount}} signed checkpoints)
            Created:  {{AuditRecordEncoder.FormatTimestamp(manifest.Created)}} by warden {{manifest.ToolVersion}}

            Files
            -----
            records.jsonl            one audit record per line, exactly the bytes Warden stored: canonical JSON
                                     (RFC 8785) with its seq, prev_hash and hash
            checkpoints/*.txt        the log's signed checkpoints (C2SP signed notes, Ed25519), one per file,
                                     named by tree size
            verifier-keys.txt        the public keys that signed them (name+keyid+base64)
            proofs/inclusion.jsonl   (selected records only) for each record, an RFC 6962 inclusion proof against
                                     the latest checkpoint: {"seq", "leaf_index", "tree_size", "proof": [hex]}
            proofs/consistency.jsonl (selected records only) RFC 6962 consistency proofs from each earlier
                                     checkpoint to the latest: {"old_size", "new_size", "proof": [hex]}
            manifest.json            counts, seq range, timestamps, and the SHA-256 of every file above

            How to verify
            -------------
            1. Get the log's public key from its operator through another channel than this bundle (on the Warden
               host: `warden audit key > warden-audit.pub`). The keys inside the bundle prove nothing on their own:
               whoever could change the records could change them too.
            2. Run, on any machine, without the database:

                   warden audit verify --bundle <this file>.zip --key warden-audit.pub

               It prints "intact: N records, checkpoint at M" and exits 0, or names the first problem and exits 1.

            What is checked: every checkpoint's signature; every record's hash (SHA-256 of its canonical encoding
            without the hash field) and, between consecutive records, the prev_hash link; for the whole log, the
            Merkle root rebuilt from the records against every checkpoint; for selected records, each record's
            inclusion proof against the latest checkpoint and each earlier checkpoint's consistency proof; and the
            manifest's counts and SHA-256 sums.

            What it cannot show: the manifest is not signed, so a selection proves that each record it holds is in
            the signed log, not that no other record matched the selection. Records after the latest checkpoint
            (whole-log bundles only) are covered by the hash chain alone.

            To verify without Warden, follow docs/audit-record.md in Warden's repository: it specifies the record
            encoding, the hashes, the Merkle tree (RFC 6962), the proofs (RFC 9162 §2.1.3.2, §2.1.4.2) and the
            checkpoint format (c2sp.org/tlog-checkpoint, c2sp.org/signed-note), so any implementation of those
            standards can check this bundle.
            """.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static JsonArray Hex(IReadOnlyList<byte[]> proof)
    {
        var array = new JsonArray();
        foreach (var hash in proof)
        {
            array.Add(Convert.ToHexStringLower(hash));
        }

        return array;
    }
}
