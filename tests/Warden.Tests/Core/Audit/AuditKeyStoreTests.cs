using Microsoft.Extensions.Logging;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

public sealed class AuditKeyStoreTests : IDisposable
{
    private const string Origin = "warden.test/audit";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "warden-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string KeyPath => Path.Combine(_directory, AuditKeyStore.SigningKeyFileName);

    [Fact]
    public void GetSigner_FirstUse_WritesOwnerOnlyKeyAndPublishesVerifier()
    {
        using var store = new AuditKeyStore(_directory, Origin, TimeProvider.System);

        var signer = store.GetSigner();

        Assert.True(File.Exists(KeyPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        }

        Assert.Equal(Origin, signer.Name);
        Assert.Equal(signer.Verifier.VerifierKey, store.ExportVerifierKey());
        Assert.Contains(store.ExportVerifierKey(), File.ReadAllText(Path.Combine(_directory, AuditKeyStore.VerifierKeysFileName)));
        Assert.Equal([signer.Verifier.VerifierKey], store.GetVerifiers().Select(v => v.VerifierKey));
    }

    [Fact]
    public void GetSigner_SecondStoreOnSameDirectory_LoadsTheSameKey()
    {
        string first;
        using (var store = new AuditKeyStore(_directory, Origin, TimeProvider.System))
        {
            first = store.ExportVerifierKey();
        }

        using var reopened = new AuditKeyStore(_directory, Origin, TimeProvider.System);

        Assert.Equal(first, reopened.ExportVerifierKey());
        Assert.Single(reopened.GetVerifiers());
    }

    [Fact]
    public void GetSigner_KeyReadableByGroup_RefusesAndSaysHowToFix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using (var store = new AuditKeyStore(_directory, Origin, TimeProvider.System))
        {
            store.GetSigner();
        }

        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        using var reopened = new AuditKeyStore(_directory, Origin, TimeProvider.System);

        var error = Assert.Throws<InvalidOperationException>(() => reopened.GetSigner());
        Assert.Contains("chmod 600", error.Message);
        Assert.Contains("0640", error.Message);
    }

    [Fact]
    public void Rotate_NewKeyActive_OldCheckpointsStillVerify()
    {
        using var store = new AuditKeyStore(_directory, Origin, TimeProvider.System);
        var oldCheckpoint = new Checkpoint(Origin, 5, MerkleHash.EmptyRoot).Sign(store.GetSigner());
        var oldKey = store.ExportVerifierKey();

        var next = store.Rotate();
        var newCheckpoint = new Checkpoint(Origin, 9, MerkleHash.EmptyRoot).Sign(next);

        Assert.NotEqual(oldKey, store.ExportVerifierKey());
        using var reopened = new AuditKeyStore(_directory, Origin, TimeProvider.System);
        Assert.Equal(store.ExportVerifierKey(), reopened.ExportVerifierKey());
        var trusted = reopened.GetVerifiers();
        Assert.Equal([oldKey, next.Verifier.VerifierKey], trusted.Select(v => v.VerifierKey));
        Assert.True(Checkpoint.Open(oldCheckpoint, trusted).IsVerified);
        Assert.True(Checkpoint.Open(newCheckpoint, trusted).IsVerified);
        Assert.False(File.Exists(KeyPath + ".new"));
    }

    [Fact]
    public void GetSigner_CorruptKeyFile_ThrowsWithoutEchoingIt()
    {
        Directory.CreateDirectory(_directory);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(KeyPath, options)))
        {
            writer.Write("PRIVATE+KEY+secret-looking-material");
        }

        using var store = new AuditKeyStore(_directory, Origin, TimeProvider.System);

        var error = Assert.Throws<InvalidOperationException>(() => store.GetSigner());
        Assert.DoesNotContain("secret-looking-material", error.Message);
    }

    [Fact]
    public void GenerateAndRotate_Logging_NeverContainsPrivateKey()
    {
        var logger = new CapturingLogger();
        using var store = new AuditKeyStore(_directory, Origin, TimeProvider.System, logger);

        store.GetSigner();
        store.Rotate();

        var privateKey = File.ReadAllText(KeyPath).Trim();
        // PRIVATE+KEY+<name>+<key id>+<base64 of the key>; the base64 may itself hold '+'.
        var secretPart = privateKey.Split('+', 5)[4];
        Assert.True(secretPart.Length >= 40, privateKey);
        Assert.Equal(2, logger.Messages.Count);
        Assert.All(logger.Messages, m => Assert.DoesNotContain(secretPart, m));
        Assert.Contains(store.ExportVerifierKey(), logger.Messages[1]);
    }

    [Fact]
    public void Constructor_InvalidKeyName_SaysWhatIsExpected()
    {
        var error = Assert.Throws<ArgumentException>(() => new AuditKeyStore(_directory, "has space", TimeProvider.System));

        Assert.Contains("warden.example.com/audit", error.Message);
    }

    private sealed class CapturingLogger : ILogger<AuditKeyStore>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
