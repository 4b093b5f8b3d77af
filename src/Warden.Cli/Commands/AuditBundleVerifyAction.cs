using System.IO.Compression;
using Warden.Core.Audit;
using Warden.Core.Audit.Bundles;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit verify --bundle FILE</c>: verifies an export bundle offline, without the database, and reports the
/// first problem as <c>verify</c> does on the log. Exit 0 when intact, 1 when not, 2 when the bundle cannot be read.
/// </summary>
internal static class AuditBundleVerifyAction
{
    public static async Task<int> RunAsync(FileInfo bundle, IReadOnlyList<string> keyArguments, CancellationToken cancellationToken)
    {
        if (!bundle.Exists)
        {
            Console.Error.WriteLine($"There is no bundle at '{bundle.FullName}'; pass the zip `warden audit export --bundle FILE` wrote.");
            return AuditLog.UsageError;
        }

        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(bundle.FullName);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Cannot read '{bundle.FullName}' as a zip ({ex.Message}); pass the file `warden audit export --bundle FILE` wrote.");
            return AuditLog.UsageError;
        }

        using (zip)
        {
            if (zip.GetEntry(AuditBundle.ManifestFile) is null)
            {
                Console.Error.WriteLine($"'{bundle.FullName}' is not a Warden audit bundle: it has no {AuditBundle.ManifestFile}.");
                return AuditLog.UsageError;
            }

            IReadOnlyList<NoteVerifier> keys;
            string keySource;
            if (keyArguments.Count > 0)
            {
                if (AuditLog.ParseKeyArguments(keyArguments) is not { } given)
                {
                    return AuditLog.UsageError;
                }

                (keys, keySource) = (given, "--key");
            }
            else
            {
                try
                {
                    keys = AuditBundleVerifier.ReadKeys(zip);
                }
                catch (FormatException ex)
                {
                    Console.Error.WriteLine($"{ex.Message}; pass the log's key with --key.");
                    return AuditLog.UsageError;
                }

                keySource = $"the bundle's own {AuditBundle.KeysFile}";
                if (keys.Count == 0)
                {
                    Console.Error.WriteLine($"The bundle holds no verifier keys; pass the log's key with --key (on the Warden host: `warden audit key`).");
                    return AuditLog.UsageError;
                }
            }

            // Warden names its signing key after the log's origin; the manifest says it when several keys disagree.
            var origin = keys.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count() == 1 ? keys[0].Name : ManifestOrigin(zip);
            var verification = await new AuditBundleVerifier(keys, origin).VerifyAsync(zip, cancellationToken);
            var result = verification.Result;
            var location = $"bundle {bundle.FullName}";
            if (!result.IsIntact)
            {
                AuditVerifyAction.ReportBroken(result, verification.Checkpoints, keys, origin, verification.RecordAtProblem, location);
                return AuditLog.Broken;
            }

            var manifest = verification.Manifest!;
            Console.Out.WriteLine($"intact: {result.RecordsVerified} records, checkpoint at {result.CheckpointSize}");
            Console.Out.WriteLine(manifest.Complete
                ? $"  {location}: the whole log, Merkle root rebuilt and matched against {verification.Checkpoints.Count} signed checkpoint(s); checkpoints trusted from {keySource}"
                : $"  {location}: {result.RecordsVerified} selected records, each proven by an inclusion proof against the signed checkpoint of size {result.CheckpointSize}, "
                    + $"{verification.ConsistentCheckpoints} earlier checkpoint(s) proven consistent with it; checkpoints trusted from {keySource}");
            if (manifest.Complete && result.RecordsVerified > result.CheckpointSize)
            {
                Console.Out.WriteLine($"  seq {result.CheckpointSize + 1}..{result.RecordsVerified} come after the last signed checkpoint: the hash chain covers them, but removing them would not show");
            }

            if (keyArguments.Count == 0)
            {
                Console.Out.WriteLine("  the keys came with the bundle, so this shows it is self-consistent, not that the log's operator signed it: pass --key with the key you got from them");
            }

            return 0;
        }
    }

    private static string? ManifestOrigin(ZipArchive zip)
    {
        try
        {
            return AuditBundleVerifier.ReadManifest(zip).Origin;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
