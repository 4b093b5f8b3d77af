using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Warden.Core.Audit;

/// <summary>
/// Keeps the Ed25519 key that signs audit checkpoints under a data directory: generated on first use into a file
/// only its owner may read, rotatable, with every public key it ever used kept so old checkpoints still verify.
/// </summary>
/// <remarks>
/// Files: <c>audit-signing.key</c> holds the active private key (mode 0600, in the golang.org/x/mod/sumdb/note
/// private key format); <c>audit-verifiers.txt</c> lists the verifier key of every key that ever signed, oldest
/// first, and is the file to hand to auditors. Retired private keys are not kept on disk.
/// </remarks>
public sealed partial class AuditKeyStore : IDisposable
{
    /// <summary>The active private key's file name.</summary>
    public const string SigningKeyFileName = "audit-signing.key";

    /// <summary>The public verifier keys' file name.</summary>
    public const string VerifierKeysFileName = "audit-verifiers.txt";

    private readonly string _directory;
    private readonly string _keyName;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<NoteSigner> _retired = [];
    private NoteSigner? _active;
    private bool _disposed;

    /// <summary>A store under <paramref name="directory"/>; new keys are named <paramref name="keyName"/> (the log origin).</summary>
    public AuditKeyStore(string directory, string keyName, TimeProvider timeProvider, ILogger<AuditKeyStore>? logger = null)
    {
        if (!NoteVerifier.IsValidName(keyName))
        {
            throw new ArgumentException($"audit key name '{keyName}' must be non-empty, without spaces or '+', e.g. 'warden.example.com/audit'.", nameof(keyName));
        }

        _directory = Path.GetFullPath(directory);
        _keyName = keyName;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger<AuditKeyStore>.Instance;
    }

    private string SigningKeyPath => Path.Combine(_directory, SigningKeyFileName);

    private string VerifierKeysPath => Path.Combine(_directory, VerifierKeysFileName);

    /// <summary>The active signer, loading it or generating it on first use. The store owns it: do not dispose it.</summary>
    public NoteSigner GetSigner()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _active ??= LoadOrCreate();
        }
    }

    /// <summary>Replaces the active key with a new one; the old public key stays trusted for the checkpoints it signed.</summary>
    public NoteSigner Rotate()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var previous = _active ?? LoadOrCreate();
            var next = NoteSigner.Generate(_keyName);
            // Trust first, then switch: a crash in between leaves an unused trusted key, never an untrusted signer.
            AppendVerifier(next.Verifier);
            WritePrivateKey(next);
            _retired.Add(previous);
            _active = next;
            LogRotated(_logger, previous.Verifier.VerifierKey, next.Verifier.VerifierKey);
            return next;
        }
    }

    /// <summary>Every verifier key this store has signed with, oldest first; the last is the active key.</summary>
    public IReadOnlyList<NoteVerifier> GetVerifiers()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _active ??= LoadOrCreate();
            return ReadVerifiers();
        }
    }

    /// <summary>
    /// The verifier keys published in <paramref name="directory"/>'s <c>audit-verifiers.txt</c>, oldest first, without
    /// touching the signing key (nothing is generated or written): for tools that only verify.
    /// </summary>
    public static IReadOnlyList<NoteVerifier> ReadVerifiers(string directory) =>
        ReadVerifiersFile(Path.Combine(Path.GetFullPath(directory), VerifierKeysFileName));

    /// <summary>The active key's verifier key string (<c>name+keyid+base64</c>), safe to publish.</summary>
    public string ExportVerifierKey() => GetSigner().Verifier.VerifierKey;

    /// <summary>Erases the loaded private keys from memory.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _active?.Dispose();
            _active = null;
            foreach (var signer in _retired)
            {
                signer.Dispose();
            }

            _retired.Clear();
        }
    }

    private NoteSigner LoadOrCreate()
    {
        if (!File.Exists(SigningKeyPath))
        {
            EnsureDirectory();
            var created = NoteSigner.Generate(_keyName);
            AppendVerifier(created.Verifier);
            WritePrivateKey(created);
            LogGenerated(_logger, created.Verifier.VerifierKey, SigningKeyPath);
            return created;
        }

        {
            if (OwnerOnlyFile.SharedMode(SigningKeyPath) is { } mode)
            {
                throw new InvalidOperationException(
                    $"The audit signing key '{SigningKeyPath}' is accessible by other users (mode {mode}); " +
                    $"anyone who can read it can forge audit checkpoints. Restrict it with `chmod 600 '{SigningKeyPath}'`, or rotate the key if it may have been copied.");
            }
        }

        var signer = NoteSigner.ParsePrivateKey(File.ReadAllText(SigningKeyPath).Trim())
            ?? throw new InvalidOperationException(
                $"The audit signing key '{SigningKeyPath}' is not a valid key file. Restore it from backup; deleting it makes Warden generate a new key, " +
                "and checkpoints signed by the old key then verify only with its verifier key from " + VerifierKeysFileName + ".");

        if (!ReadVerifiers().Any(v => v.VerifierKey == signer.Verifier.VerifierKey))
        {
            AppendVerifier(signer.Verifier);
        }

        return signer;
    }

    private List<NoteVerifier> ReadVerifiers() => ReadVerifiersFile(VerifierKeysPath);

    private static List<NoteVerifier> ReadVerifiersFile(string path)
    {
        var verifiers = new List<NoteVerifier>();
        if (!File.Exists(path))
        {
            return verifiers;
        }

        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (!NoteVerifier.TryParse(line, out var verifier))
            {
                throw new InvalidOperationException($"{path}:{lineNumber} is not a verifier key (name+keyid+base64key); fix or remove that line.");
            }

            if (!verifiers.Any(v => v.VerifierKey == verifier.VerifierKey))
            {
                verifiers.Add(verifier);
            }
        }

        return verifiers;
    }

    private void AppendVerifier(NoteVerifier verifier)
    {
        EnsureDirectory();
        var isNew = !File.Exists(VerifierKeysPath);
        using var stream = new FileStream(VerifierKeysPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        using (var writer = new StreamWriter(stream, leaveOpen: true))
        {
            if (isNew)
            {
                writer.Write("# Warden audit verifier keys: every key that signed this log's checkpoints, oldest first; the last is active.\n");
                writer.Write("# Public: give this file to auditors (warden audit verify trusts these keys).\n");
            }

            writer.Write($"# added {_timeProvider.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}\n{verifier.VerifierKey}\n");
        }

        stream.Flush(flushToDisk: true);
    }

    private void WritePrivateKey(NoteSigner signer)
    {
        var temporary = SigningKeyPath + ".new";
        File.Delete(temporary);
        using (var stream = OwnerOnlyFile.CreateNew(temporary))
        {
            using (var writer = new StreamWriter(stream, leaveOpen: true))
            {
                writer.Write(signer.ExportPrivateKey());
                writer.Write('\n');
            }

            stream.Flush(flushToDisk: true);
        }

        // Rename is atomic: readers see the old key or the new one, never a half-written file.
        File.Move(temporary, SigningKeyPath, overwrite: true);
    }

    private void EnsureDirectory() => OwnerOnlyFile.EnsureDirectory(_directory);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Generated a new audit signing key {VerifierKey} in {Path}")]
    private static partial void LogGenerated(ILogger logger, string verifierKey, string path);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Rotated the audit signing key: {RetiredKey} retired, {VerifierKey} now signs checkpoints")]
    private static partial void LogRotated(ILogger logger, string retiredKey, string verifierKey);
}
