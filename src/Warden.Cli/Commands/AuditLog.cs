using Microsoft.Data.Sqlite;
using Warden.Core.Audit;
using Warden.Gateway.Hosting;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// An audit log opened for reading by the <c>audit</c> commands: the database <c>serve</c> writes (same config and
/// data directory resolution), opened read-only, and the verifier keys to trust.
/// </summary>
internal sealed class AuditLog
{
    /// <summary>Exit code: the log (or a saved checkpoint) does not verify.</summary>
    public const int Broken = 1;

    /// <summary>Exit code: the command could not run (no database, no keys, bad arguments).</summary>
    public const int UsageError = 2;

    private AuditLog(string databasePath, SqliteAuditReader reader, IReadOnlyList<NoteVerifier> keys, string keySource, string? origin)
    {
        DatabasePath = databasePath;
        Reader = reader;
        Keys = keys;
        KeySource = keySource;
        Origin = origin;
        Leaves = new AuditRecordLeafSource(reader.ReadAsync);
    }

    public string DatabasePath { get; }

    public SqliteAuditReader Reader { get; }

    /// <summary>The verifier keys checkpoints must be signed by.</summary>
    public IReadOnlyList<NoteVerifier> Keys { get; }

    /// <summary>Where <see cref="Keys"/> came from, for the report.</summary>
    public string KeySource { get; }

    /// <summary>The origin every checkpoint must name, or null when it cannot be known.</summary>
    public string? Origin { get; }

    /// <summary>Leaf hashes computed from the records (not the stored copies), for proofs.</summary>
    public ILeafHashSource Leaves { get; }

    /// <summary>
    /// Opens the log; on failure writes what to do to stderr and returns null. <paramref name="keyArguments"/> are
    /// <c>--key</c> values (verifier keys, or files of them); without any, the data directory's published keys are trusted.
    /// </summary>
    public static AuditLog? Open(FileInfo? configFile, DirectoryInfo? data, IReadOnlyList<string> keyArguments)
    {
        if (WardenEnvironment.LocateAuditLog(configFile, data, "cannot read the audit log") is not (var config, var dataDirectory, var databasePath))
        {
            return null;
        }

        IReadOnlyList<NoteVerifier> keys;
        string keySource;
        if (keyArguments.Count > 0)
        {
            if (ParseKeyArguments(keyArguments) is not { } given)
            {
                return null;
            }

            (keys, keySource) = (given, "--key");
        }
        else
        {
            try
            {
                keys = AuditKeyStore.ReadVerifiers(dataDirectory);
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return null;
            }

            keySource = Path.Combine(dataDirectory, AuditKeyStore.VerifierKeysFileName);
            if (keys.Count == 0)
            {
                Console.Error.WriteLine($"No verifier keys in '{keySource}'. Pass the log's public key with --key (print it on the Warden host with `warden audit key`).");
                return null;
            }
        }

        // Warden names its signing key after the log's origin, so the trusted key names it when the config does not.
        var origin = config.Audit.Origin ?? (keys.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count() == 1 ? keys[0].Name : null);
        return new AuditLog(databasePath, SqliteAuditReader.OpenReadOnly(databasePath), keys, keySource, origin);
    }

    /// <summary>Opens the stored checkpoints; all of them verified by <see cref="AuditVerifier"/> before this is called.</summary>
    public async Task<IReadOnlyList<Checkpoint>> OpenCheckpointsAsync(CancellationToken cancellationToken)
    {
        var opened = new List<Checkpoint>();
        foreach (var note in await Reader.CheckpointsAsync(cancellationToken))
        {
            if (Checkpoint.Open(note, Keys, Origin) is { IsVerified: true, Checkpoint: { } checkpoint })
            {
                opened.Add(checkpoint);
            }
        }

        return opened;
    }

    /// <summary>Runs <paramref name="action"/>, turning a damaged or unreadable database into exit code 1 with the reason.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            // SQLITE_CORRUPT / SQLITE_NOTADB: the file was changed underneath SQLite.
            Console.Out.WriteLine($"broken: the database file is damaged (SQLite error {ex.SqliteErrorCode}: {ex.Message}); it was altered outside Warden. Restore it from a backup and verify again.");
            return Broken;
        }
        catch (SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            Console.Out.WriteLine($"broken: the audit tables are missing ({ex.Message}): the log was removed, or this is not Warden's audit database.");
            return Broken;
        }
        catch (SqliteException ex)
        {
            Console.Error.WriteLine($"Cannot read the audit log (SQLite error {ex.SqliteErrorCode}: {ex.Message}).");
            return UsageError;
        }
    }

    /// <summary>The verifier keys <c>--key</c> gives (keys, or files of them); null, with the reason on stderr, when one is not a key.</summary>
    internal static List<NoteVerifier>? ParseKeyArguments(IReadOnlyList<string> arguments)
    {
        var keys = new List<NoteVerifier>();
        foreach (var argument in arguments)
        {
            var fromFile = File.Exists(argument);
            var lines = fromFile ? File.ReadAllLines(argument) : [argument];
            foreach (var raw in lines)
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                if (!NoteVerifier.TryParse(line, out var key))
                {
                    Console.Error.WriteLine(fromFile
                        ? $"'{argument}' holds a line that is not a verifier key (name+keyid+base64): '{line}'."
                        : $"--key '{argument}' is neither a verifier key (name+keyid+base64, as `warden audit key` prints) nor a file of them.");
                    return null;
                }

                keys.Add(key);
            }
        }

        if (keys.Count == 0)
        {
            Console.Error.WriteLine("--key gave no verifier keys.");
            return null;
        }

        return keys;
    }
}
