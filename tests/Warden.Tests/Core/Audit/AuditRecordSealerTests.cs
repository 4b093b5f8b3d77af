using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;

namespace Warden.Tests.Core.Audit;

public sealed class AuditRecordSealerTests
{
    [Fact]
    public async Task Seal_IdentityFields_AreCiphertextCoveredByTheHash_AndOpenRestoresThem()
    {
        var keys = new MemoryKeys();
        var sealer = new AuditRecordSealer(keys);

        var stored = AuditRecordEncoder.Seal(await sealer.SealAsync(AuditRecords.Sample(), encryptContent: false, CancellationToken.None), 1, AuditRecord.GenesisPrevHash);

        var pseudonym = keys.Pseudonym("alice");
        Assert.Equal(pseudonym, stored.User.Subject);
        Assert.Null(stored.User.DisplayName);
        Assert.Equal([SealedField.DisplayName, SealedField.Subject], stored.Sealed![pseudonym].Keys.Order(StringComparer.Ordinal));
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(stored));
        Assert.DoesNotContain("\"subject\":\"alice\"", json);
        Assert.DoesNotContain("Alice Ng", json);
        // Content stays in clear unless asked for.
        Assert.Contains("SELECT email FROM customers", json);
        Assert.Equal(stored.Hash, AuditRecordEncoder.ComputeHash(AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json))));

        var opened = await sealer.OpenAsync(stored, CancellationToken.None);
        Assert.Equal("alice", opened.User.Subject);
        Assert.Equal("Alice Ng", opened.User.DisplayName);
        Assert.Null(opened.Sealed);
        Assert.Equal(stored.Hash, opened.Hash);
    }

    [Fact]
    public async Task Open_KeyDestroyed_FieldsReadErased_AndTheStoredRecordStillVerifies()
    {
        var keys = new MemoryKeys();
        var sealer = new AuditRecordSealer(keys);
        var stored = AuditRecordEncoder.Seal(await sealer.SealAsync(AuditRecords.Sample(), encryptContent: true, CancellationToken.None), 1, AuditRecord.GenesisPrevHash);
        using var signer = NoteSigner.Generate("warden.test/audit");

        keys.Destroy("alice");

        var opened = await sealer.OpenAsync(stored, CancellationToken.None);
        Assert.Equal(AuditRecordSealer.Erased, opened.User.Subject);
        Assert.Equal(AuditRecordSealer.Erased, opened.User.DisplayName);
        Assert.Equal(AuditRecordSealer.Erased, opened.Input.Arguments!.GetValue<string>());
        Assert.Equal(AuditRecordSealer.Erased, opened.Input.Prompt);
        Assert.Equal(AuditRecordSealer.Erased, opened.Output!.Content);
        var result = await new AuditVerifier([signer.Verifier]).VerifyAsync(AuditRecords.Stream([stored]), [AuditRecords.Checkpoint([stored], 1, signer)], CancellationToken.None);
        Assert.True(result.IsIntact, result.Problem);
    }

    [Fact]
    public async Task Seal_EncryptContent_SealsArgumentsPromptOutputAndItsHash()
    {
        var sealer = new AuditRecordSealer(new MemoryKeys());

        var stored = await sealer.SealAsync(AuditRecords.Sample(), encryptContent: true, CancellationToken.None);

        Assert.Null(stored.Input.Arguments);
        Assert.Null(stored.Input.Prompt);
        Assert.Null(stored.Output!.Content);
        Assert.Null(stored.Output.ContentSha256);
        Assert.Equal(AuditRecords.Sample().Output!.ExitCode, stored.Output.ExitCode);
        var opened = await sealer.OpenAsync(stored, CancellationToken.None);
        Assert.Equal(JsonCanonicalizer.Canonicalize(AuditRecords.Sample().Input.Arguments), JsonCanonicalizer.Canonicalize(opened.Input.Arguments));
        Assert.Equal(AuditRecords.Sample().Input.Prompt, opened.Input.Prompt);
        Assert.Equal("alice@example.com", opened.Output!.Content);
        Assert.Equal(AuditRecords.Sample().Output!.ContentSha256, opened.Output.ContentSha256);
    }

    [Fact]
    public async Task Seal_Justification_IsContentSealedWithEncryptContent_AndRoundTripsThroughTheEncoding()
    {
        var sealer = new AuditRecordSealer(new MemoryKeys());
        var record = AuditRecords.Sample() with { Input = AuditRecords.Sample().Input with { Justification = "Ticket 4711: refund for Jane Doe" } };

        var clear = AuditRecordEncoder.Seal(await sealer.SealAsync(record, encryptContent: false, CancellationToken.None), 1, AuditRecord.GenesisPrevHash);
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(clear));
        Assert.Contains("\"justification\":\"Ticket 4711: refund for Jane Doe\",\"method\"", json);
        var decoded = AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json));
        Assert.Equal("Ticket 4711: refund for Jane Doe", decoded.Input.Justification);
        Assert.Equal(clear.Hash, AuditRecordEncoder.ComputeHash(decoded));

        var sealedRecord = AuditRecordEncoder.Seal(await sealer.SealAsync(record, encryptContent: true, CancellationToken.None), 1, AuditRecord.GenesisPrevHash);
        Assert.Null(sealedRecord.Input.Justification);
        Assert.DoesNotContain("Jane Doe", Encoding.UTF8.GetString(AuditRecordEncoder.Encode(sealedRecord)));
        Assert.Equal(sealedRecord.Hash, AuditRecordEncoder.ComputeHash(AuditRecordDecoder.Decode(AuditRecordEncoder.Encode(sealedRecord))));
        Assert.Equal("Ticket 4711: refund for Jane Doe", (await sealer.OpenAsync(sealedRecord, CancellationToken.None)).Input.Justification);
    }

    [Fact]
    public async Task Seal_OnBehalfOf_IsSealedUnderThePrincipalsOwnKey()
    {
        var keys = new MemoryKeys();
        var sealer = new AuditRecordSealer(keys);
        var record = AuditRecords.Sample() with { User = new AuditUserIdentity { Subject = "ci-bot", AuthMethod = "service_account", OnBehalfOf = "alice" } };

        var stored = await sealer.SealAsync(record, encryptContent: false, CancellationToken.None);

        Assert.Equal(keys.Pseudonym("alice"), stored.User.OnBehalfOf);
        Assert.Equal([SealedField.OnBehalfOf], stored.Sealed![keys.Pseudonym("alice")].Keys);
        keys.Destroy("alice");
        var opened = await sealer.OpenAsync(stored, CancellationToken.None);
        Assert.Equal("ci-bot", opened.User.Subject);
        Assert.Equal(AuditRecordSealer.Erased, opened.User.OnBehalfOf);
    }

    [Fact]
    public async Task Open_CiphertextMovedToAnotherRecord_DoesNotDecrypt()
    {
        var keys = new MemoryKeys();
        var sealer = new AuditRecordSealer(keys);
        var first = await sealer.SealAsync(AuditRecords.Sample(1), false, CancellationToken.None);
        var second = await sealer.SealAsync(AuditRecords.Sample(2) with { User = AuditRecords.Sample().User with { DisplayName = "Someone Else" } }, false, CancellationToken.None);
        var pseudonym = keys.Pseudonym("alice");
        var swapped = new Dictionary<string, string>(second.Sealed![pseudonym]) { [SealedField.DisplayName] = first.Sealed![pseudonym][SealedField.DisplayName] };

        var opened = await sealer.OpenAsync(second with { Sealed = new Dictionary<string, IReadOnlyDictionary<string, string>> { [pseudonym] = swapped } }, CancellationToken.None);

        // Bound to its record id and field: elsewhere it does not open.
        Assert.Equal(AuditRecordSealer.Unreadable, opened.User.DisplayName);
        Assert.Equal("alice", opened.User.Subject);
    }

    [Fact]
    public async Task Open_WithoutKeys_SaysEncrypted_AndResolveLeavesTheQueryAlone()
    {
        var stored = await new AuditRecordSealer(new MemoryKeys()).SealAsync(AuditRecords.Sample(), false, CancellationToken.None);
        var reader = new AuditRecordSealer(null);

        Assert.Equal(AuditRecordSealer.Encrypted, (await reader.OpenAsync(stored, CancellationToken.None)).User.Subject);
        Assert.Equal("alice", (await reader.ResolveAsync(new AuditQuery { User = "alice" }, CancellationToken.None)).User);
    }

    [Fact]
    public async Task Seal_EncryptContent_ArgumentsCanonicalJsonCannotHold_AreSealedAsTheirText()
    {
        var sealer = new AuditRecordSealer(new MemoryKeys());
        var record = AuditRecords.Sample() with { Input = new AuditInput { Method = "tools/call", Arguments = JsonNode.Parse("{\"x\":\"\\ud800 lone\",\"n\":1e400}") } };

        var stored = AuditRecordEncoder.Seal(await sealer.SealAsync(record, encryptContent: true, CancellationToken.None), 1, AuditRecord.GenesisPrevHash);

        Assert.Null(stored.Input.Arguments);
        var opened = await sealer.OpenAsync(stored, CancellationToken.None);
        Assert.NotNull(opened.Input.Arguments);
        Assert.Equal(stored.Hash, AuditRecordEncoder.ComputeHash(AuditRecordDecoder.Decode(AuditRecordEncoder.Encode(stored))));
    }

    [Theory]
    [InlineData("\"user.display_name\":", "\"user.nickname\":", "not a field Warden seals")]
    [InlineData("\"roles\":", "\"display_name\":\"Alice Ng\",\"roles\":", "user.display_name is both sealed and in clear")]
    [InlineData("\"subject\":\"psn-", "\"subject\":\"xpsn-", "must be the pseudonym")]
    public async Task Decode_InconsistentSealedRecord_ThrowsSayingWhatIsWrong(string original, string altered, string expected)
    {
        var stored = AuditRecordEncoder.Seal(await new AuditRecordSealer(new MemoryKeys()).SealAsync(AuditRecords.Sample(), false, CancellationToken.None), 1, AuditRecord.GenesisPrevHash);
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(stored));
        Assert.Contains(original, json);
        Assert.Equal(AuditRecordEncoder.Encode(stored), AuditRecordEncoder.Encode(AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json))));

        var error = Assert.Throws<FormatException>(() => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json.Replace(original, altered, StringComparison.Ordinal))));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void MasterKey_File_IsOwnerOnly_StableAcrossLoads_AndRefusedWhenShared()
    {
        var directory = Directory.CreateTempSubdirectory("warden-privacy-").FullName;
        try
        {
            byte[] lookup, wrapped;
            using (var created = AuditMasterKey.LoadOrCreate(directory))
            {
                lookup = created.Lookup("alice");
                wrapped = created.Wrap("psn-1", new byte[32]);
            }

            var path = Path.Combine(directory, AuditMasterKey.FileName);
            using (var loaded = AuditMasterKey.LoadOrCreate(directory))
            {
                Assert.Equal(lookup, loaded.Lookup("alice"));
                Assert.NotEqual(lookup, loaded.Lookup("bob"));
                Assert.Equal(new byte[32], loaded.Unwrap("psn-1", wrapped));
                Assert.Null(loaded.Unwrap("psn-2", wrapped));
            }

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
                var refused = Assert.Throws<InvalidOperationException>(() => AuditMasterKey.TryLoad(directory));
                Assert.Contains("chmod 600", refused.Message);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Subject keys in memory, destroyable.</summary>
    private sealed class MemoryKeys : ISubjectKeyStore
    {
        private readonly ConcurrentDictionary<string, SubjectKey> _keys = new(StringComparer.Ordinal);

        public string Pseudonym(string subject) => _keys[subject].Pseudonym;

        public void Destroy(string subject) => _keys.TryRemove(subject, out _);

        public ValueTask<SubjectKey> GetOrCreateAsync(string subject, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_keys.GetOrAdd(subject, _ => new SubjectKey("psn-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow)));

        public ValueTask<SubjectKey?> FindAsync(string subject, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_keys.GetValueOrDefault(subject));

        public ValueTask<SubjectKey?> FindByPseudonymAsync(string pseudonym, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_keys.Values.FirstOrDefault(k => k.Pseudonym == pseudonym));
    }
}
