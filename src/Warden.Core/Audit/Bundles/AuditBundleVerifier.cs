using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Core.Audit.Bundles;

/// <summary>
/// Verifies an export bundle offline: the signed checkpoints; every record's canonical form, hash and prev_hash link;
/// for the whole log the Merkle root at every checkpoint (as <see cref="AuditVerifier"/> does on the database), for a
/// selection each record's inclusion proof and each earlier checkpoint's consistency proof against the latest
/// checkpoint; then the manifest's hashes and counts. Stops at the first problem.
/// </summary>
public sealed class AuditBundleVerifier(IReadOnlyList<NoteVerifier> trustedKeys, string? origin)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The verifier keys a bundle carries (<c>verifier-keys.txt</c>); a <see cref="FormatException"/> for a bad line.</summary>
    public static IReadOnlyList<NoteVerifier> ReadKeys(ZipArchive bundle)
    {
        var keys = new List<NoteVerifier>();
        var entry = bundle.GetEntry(AuditBundle.KeysFile);
        if (entry is null)
        {
            return keys;
        }

        foreach (var raw in ReadText(entry).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            keys.Add(NoteVerifier.TryParse(line, out var key) ? key : throw new FormatException($"{AuditBundle.KeysFile} holds a line that is not a verifier key: '{line}'"));
        }

        return keys;
    }

    /// <summary>The bundle's manifest; a <see cref="FormatException"/> when it is missing or unreadable.</summary>
    public static AuditBundleManifest ReadManifest(ZipArchive bundle)
    {
        var entry = bundle.GetEntry(AuditBundle.ManifestFile) ?? throw new FormatException($"the bundle has no {AuditBundle.ManifestFile}");
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return AuditBundleManifest.Parse(memory.ToArray());
    }

    public async Task<BundleVerification> VerifyAsync(ZipArchive bundle, CancellationToken cancellationToken)
    {
        AuditBundleManifest manifest;
        try
        {
            manifest = ReadManifest(bundle);
        }
        catch (FormatException ex)
        {
            return new BundleVerification(Fail(AuditProblemKind.ManifestMismatch, null, ex.Message, 0, 0), null, null, []);
        }

        var notes = bundle.Entries.Where(e => e.FullName.StartsWith(AuditBundle.CheckpointsFolder, StringComparison.Ordinal) && e.FullName.Length > AuditBundle.CheckpointsFolder.Length)
            .OrderBy(e => e.FullName, StringComparer.Ordinal).Select(ReadText).ToList();
        if (bundle.GetEntry(AuditBundle.RecordsFile) is not { } records)
        {
            return new BundleVerification(Fail(AuditProblemKind.ManifestMismatch, null, $"the bundle has no {AuditBundle.RecordsFile}", 0, 0), null, manifest, notes);
        }

        var verifier = new AuditVerifier(trustedKeys, origin);
        var consistent = 0;
        AuditVerificationResult result;
        AuditRecord? at = null;
        if (manifest.Complete)
        {
            result = await verifier.VerifyAsync(ReadRecordsAsync(records, cancellationToken), notes, cancellationToken).ConfigureAwait(false);
            if (!result.IsIntact && result.FirstBrokenSeq is { } position)
            {
                at = await RecordAtPositionAsync(records, position, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            (result, at, consistent) = await VerifySelectionAsync(bundle, records, verifier, notes, cancellationToken).ConfigureAwait(false);
        }

        if (result.IsIntact && await ManifestProblemAsync(bundle, records, manifest, notes.Count, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            result = Fail(AuditProblemKind.ManifestMismatch, null, problem, result.RecordsVerified, result.CheckpointSize);
        }

        return new BundleVerification(result, at, manifest, notes) { ConsistentCheckpoints = consistent };
    }

    private async Task<(AuditVerificationResult, AuditRecord?, int)> VerifySelectionAsync(ZipArchive bundle, ZipArchiveEntry records, AuditVerifier verifier, List<string> notes, CancellationToken cancellationToken)
    {
        if (verifier.OpenCheckpoints(notes, out var checkpoints) is { } forged)
        {
            return (forged, null, 0);
        }

        if (checkpoints.Count == 0)
        {
            return (Fail(AuditProblemKind.NotInCheckpoint, null, "the bundle holds no signed checkpoint to prove its records against", 0, 0), null, 0);
        }

        var latest = checkpoints[^1];
        var size = latest.TreeSize;
        var consistencyProofs = ReadProofs(bundle, AuditBundle.ConsistencyProofsFile, "old_size");
        var consistent = 0;
        foreach (var checkpoint in checkpoints.Where(c => c.TreeSize > 0 && c.TreeSize < size).DistinctBy(c => c.TreeSize))
        {
            if (!consistencyProofs.TryGetValue(checkpoint.TreeSize, out var proof) || proof.Size != size || proof.Hashes is null
                || !MerkleProof.VerifyConsistency(checkpoint.TreeSize, size, checkpoint.RootHash, latest.RootHash, proof.Hashes))
            {
                return (Fail(AuditProblemKind.ForgedCheckpoint, null,
                    $"the signed checkpoint of size {checkpoint.TreeSize} is not proven consistent with the one of size {size} ({(proof.Hashes is null ? "no consistency proof in the bundle" : "its consistency proof does not verify")}): the log was rewritten between them, or the proof was altered", 0, 0), null, consistent);
            }

            consistent++;
        }

        var inclusion = ReadProofs(bundle, AuditBundle.InclusionProofsFile, "seq");
        var proven = new HashSet<long>();
        AuditRecord? previous = null;
        var verified = 0L;
        await foreach (var (_, record, problem) in ReadLinesAsync(records, cancellationToken).ConfigureAwait(false))
        {
            var after = previous?.Seq ?? 0;
            if (record is null)
            {
                return (Fail(AuditProblemKind.EditedRecord, after + 1, $"the record after seq {after} cannot be read: {problem}", verified, size), null, consistent);
            }

            var hash = AuditRecordEncoder.ComputeHash(record);
            if (hash != record.Hash)
            {
                return (Fail(AuditProblemKind.EditedRecord, record.Seq, $"record seq {record.Seq} (id {record.Id}) was edited: its content hashes to {Short(hash)} but its hash field is {Short(record.Hash)}", verified, size), record, consistent);
            }

            if (previous is not null && record.Seq <= previous.Seq)
            {
                var what = record.Seq == previous.Seq ? $"seq {record.Seq} appears twice (a record was inserted or duplicated)" : $"seq {record.Seq} appears after seq {previous.Seq} (records were reordered or inserted)";
                return (Fail(AuditProblemKind.OutOfOrderRecord, record.Seq, what, verified, size), record, consistent);
            }

            if (previous is not null && record.Seq == previous.Seq + 1 && record.PrevHash != previous.Hash)
            {
                return (Fail(AuditProblemKind.BrokenChain, record.Seq, $"record seq {record.Seq}'s prev_hash {Short(record.PrevHash)} is not the hash of seq {previous.Seq} ({Short(previous.Hash)})", verified, size), record, consistent);
            }

            if (record.Seq > size)
            {
                return (Fail(AuditProblemKind.NotInCheckpoint, record.Seq, $"record seq {record.Seq} (id {record.Id}) comes after the bundle's latest signed checkpoint (size {size}), so nothing signed covers it", verified, size), record, consistent);
            }

            if (!inclusion.TryGetValue(record.Seq, out var path))
            {
                return (Fail(AuditProblemKind.NotInCheckpoint, record.Seq, $"record seq {record.Seq} (id {record.Id}) has no inclusion proof in {AuditBundle.InclusionProofsFile}", verified, size), record, consistent);
            }

            var leaf = MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record));
            if (path.Size != size || !MerkleProof.VerifyInclusion(record.Seq - 1, size, leaf, path.Hashes!, latest.RootHash))
            {
                return (Fail(AuditProblemKind.NotInCheckpoint, record.Seq,
                    $"record seq {record.Seq} (id {record.Id}) is not in the tree the signed checkpoint of size {size} signs: its inclusion proof does not lead to that root (the record was forged or altered and re-hashed, or its proof was)", verified, size), record, consistent);
            }

            proven.Add(record.Seq);
            previous = record;
            verified++;
        }

        if (inclusion.Keys.Where(seq => !proven.Contains(seq)).Order().FirstOrDefault() is > 0 and var missing)
        {
            return (Fail(AuditProblemKind.MissingRecord, missing, $"seq {missing} is missing: its inclusion proof is in the bundle but the record is not in {AuditBundle.RecordsFile} (it was removed)", verified, size), null, consistent);
        }

        return (new AuditVerificationResult(AuditProblemKind.None, null, null, verified, size), null, consistent);
    }

    // Records of the whole-log bundle for AuditVerifier; a line that does not decode, or is not its record's
    // canonical form, is a FormatException, which the verifier reports as an unreadable (edited) record.
    private static async IAsyncEnumerable<AuditRecord> ReadRecordsAsync(ZipArchiveEntry entry, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (_, record, problem) in ReadLinesAsync(entry, cancellationToken).ConfigureAwait(false))
        {
            yield return record ?? throw new FormatException(problem);
        }
    }

    private static async IAsyncEnumerable<(long Line, AuditRecord? Record, string? Problem)> ReadLinesAsync(ZipArchiveEntry entry, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = entry.Open();
        using var reader = new StreamReader(stream, StrictUtf8);
        var number = 0L;
        while (true)
        {
            string? line;
            var invalid = false;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DecoderFallbackException)
            {
                (line, invalid) = (null, true);
            }

            if (invalid)
            {
                yield return (number + 1, null, $"line {number + 1} of {AuditBundle.RecordsFile} is not valid UTF-8");
                yield break;
            }

            if (line is null)
            {
                yield break;
            }

            number++;
            var bytes = Encoding.UTF8.GetBytes(line);
            AuditRecord? record = null;
            string? undecodable = null;
            try
            {
                record = AuditRecordDecoder.Decode(bytes);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
            {
                undecodable = ex.Message;
            }

            if (record is null)
            {
                yield return (number, null, $"line {number} of {AuditBundle.RecordsFile} does not decode: {undecodable}");
                continue;
            }

            if (!AuditRecordEncoder.Encode(record).AsSpan().SequenceEqual(bytes))
            {
                yield return (number, null, $"line {number} of {AuditBundle.RecordsFile} (seq {record.Seq}) is not its record's canonical encoding as Warden stores it: it was edited or re-encoded");
                continue;
            }

            yield return (number, record, null);
        }
    }

    private static async Task<AuditRecord?> RecordAtPositionAsync(ZipArchiveEntry entry, long position, CancellationToken cancellationToken)
    {
        await foreach (var (line, record, _) in ReadLinesAsync(entry, cancellationToken).ConfigureAwait(false))
        {
            if (line == position)
            {
                return record;
            }
        }

        return null;
    }

    // Proof lines keyed by seq (inclusion) or old size (consistency); a line that does not parse is left out, so its record or checkpoint is reported unproven.
    private static Dictionary<long, (long Size, IReadOnlyList<byte[]>? Hashes)> ReadProofs(ZipArchive bundle, string name, string key)
    {
        var proofs = new Dictionary<long, (long, IReadOnlyList<byte[]>?)>();
        if (bundle.GetEntry(name) is not { } entry)
        {
            return proofs;
        }

        foreach (var line in ReadText(entry).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                var json = JsonNode.Parse(line)!;
                var hashes = json["proof"]!.AsArray().Select(h => Convert.FromHexString(h!.GetValue<string>())).ToList();
                var size = json[key == "seq" ? "tree_size" : "new_size"]!.GetValue<long>();
                proofs.TryAdd(json[key]!.GetValue<long>(), (size, hashes));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NullReferenceException)
            {
                // Unparseable: the record or checkpoint it was for has no proof.
            }
        }

        return proofs;
    }

    private static async Task<string?> ManifestProblemAsync(ZipArchive bundle, ZipArchiveEntry records, AuditBundleManifest manifest, int checkpoints, CancellationToken cancellationToken)
    {
        var listed = manifest.Files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var entry in bundle.Entries.Where(e => e.FullName != AuditBundle.ManifestFile && !e.FullName.EndsWith('/')))
        {
            if (!listed.Remove(entry.FullName, out var file))
            {
                return $"the bundle holds {entry.FullName}, which the manifest does not list";
            }

            var (sha, bytes) = await HashAsync(entry, cancellationToken).ConfigureAwait(false);
            if (sha != file.Sha256 || bytes != file.Bytes)
            {
                return $"{entry.FullName} has SHA-256 {Short(sha)} ({bytes} bytes) but the manifest says {Short(file.Sha256)} ({file.Bytes} bytes)";
            }
        }

        if (listed.Count > 0)
        {
            return $"the manifest lists {listed.Keys.First()}, which is not in the bundle";
        }

        long count = 0;
        AuditRecord? first = null, last = null;
        await foreach (var (_, record, _) in ReadLinesAsync(records, cancellationToken).ConfigureAwait(false))
        {
            count++;
            first ??= record;
            last = record;
        }

        var actual = (count, first?.Seq, last?.Seq, Timestamp(first), Timestamp(last));
        var claimed = (manifest.RecordCount, manifest.FirstSeq, manifest.LastSeq, manifest.FirstTimestamp, manifest.LastTimestamp);
        if (actual != claimed)
        {
            return $"the manifest says {claimed.RecordCount} records (seq {claimed.FirstSeq}..{claimed.LastSeq}, {claimed.FirstTimestamp} to {claimed.LastTimestamp}) "
                + $"but {AuditBundle.RecordsFile} holds {count} (seq {first?.Seq}..{last?.Seq}, {Timestamp(first)} to {Timestamp(last)})";
        }

        return manifest.CheckpointCount != checkpoints ? $"the manifest says {manifest.CheckpointCount} checkpoints but the bundle holds {checkpoints}" : null;
    }

    private static string? Timestamp(AuditRecord? record) => record is null ? null : AuditRecordEncoder.FormatTimestamp(record.Timestamp);

    private static async Task<(string Sha256, long Bytes)> HashAsync(ZipArchiveEntry entry, CancellationToken cancellationToken)
    {
        await using var stream = entry.Open();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static AuditVerificationResult Fail(AuditProblemKind kind, long? seq, string problem, long verified, long anchored) => new(kind, seq, problem, verified, anchored);

    private static string Short(string hex) => hex.Length > 16 ? $"{hex[..16]}…" : hex;
}
