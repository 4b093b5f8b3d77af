using System.Text;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>
/// C2SP signed notes against the vectors of golang.org/x/mod/sumdb/note (note_test.go: the PeterNeumann and
/// EnochRoot keys, the signed Peter Neumann quote, and its malformed-note cases), plus round trips and tampering.
/// </summary>
public sealed class SignedNoteTests
{
    private const string PeterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterPrivateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string EnochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    private const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterSig = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string EnochSig = "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    private static readonly NoteVerifier Peter = NoteVerifier.Parse(PeterKey);
    private static readonly NoteVerifier Enoch = NoteVerifier.Parse(EnochKey);

    [Fact]
    public void ParseVerifierKey_GoVector_RoundTripsNameIdAndKey()
    {
        Assert.Equal("PeterNeumann", Peter.Name);
        Assert.Equal(0xc74f20a3u, Peter.KeyId);
        Assert.Equal(PeterKey, Peter.VerifierKey);
        Assert.Equal(PeterKey, NoteVerifier.FromPublicKey("PeterNeumann", Peter.PublicKey).VerifierKey);
    }

    [Fact]
    public void ParseVerifierKey_AnySubstringOrChangedCharacter_IsRejected()
    {
        for (var i = 0; i <= PeterKey.Length; i++)
        {
            for (var j = i + 1; j <= PeterKey.Length; j++)
            {
                if (i != 0 || j != PeterKey.Length)
                {
                    Assert.False(NoteVerifier.TryParse(PeterKey[i..j], out _), PeterKey[i..j]);
                }
            }
        }

        for (var i = 0; i < PeterKey.Length; i++)
        {
            var chars = PeterKey.ToCharArray();
            chars[i]++;
            Assert.False(NoteVerifier.TryParse(new string(chars), out _), new string(chars));
        }

        // Go's own bad keys: wrong key length with a matching id; unknown algorithm byte with a matching id.
        Assert.False(NoteVerifier.TryParse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", out _));
        Assert.False(NoteVerifier.TryParse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _));
    }

    [Fact]
    public void ParseVerifierKey_GeneratedKeys_RoundTripEvenWithPlusInBase64()
    {
        for (var i = 0; i < 50; i++)
        {
            using var signer = NoteSigner.Generate("warden.example/audit");

            Assert.Equal(signer.Verifier.VerifierKey, NoteVerifier.Parse(signer.Verifier.VerifierKey).VerifierKey);
            using var reloaded = NoteSigner.ParsePrivateKey(signer.ExportPrivateKey());
            Assert.Equal(signer.KeyId, reloaded!.KeyId);
        }
    }

    [Fact]
    public void Sign_GoPrivateKeyVector_ProducesGoSignedNote()
    {
        using var signer = NoteSigner.ParsePrivateKey(PeterPrivateKey);
        Assert.NotNull(signer);

        var note = SignedNote.Sign(Text, signer);

        Assert.Equal(Text + "\n" + PeterSig, note.Encode());
        Assert.Equal(PeterKey, signer.Verifier.VerifierKey);
        Assert.Equal(PeterPrivateKey, signer.ExportPrivateKey());
    }

    [Fact]
    public void ParsePrivateKey_Mangled_ReturnsNull()
    {
        for (var i = 0; i < PeterPrivateKey.Length; i++)
        {
            var chars = PeterPrivateKey.ToCharArray();
            chars[i]++;
            Assert.Null(NoteSigner.ParsePrivateKey(new string(chars)));
        }

        Assert.Null(NoteSigner.ParsePrivateKey(PeterPrivateKey[..^1]));
    }

    [Fact]
    public void Open_KnownAndUnknownSigners_VerifiesKnownAndIgnoresUnknown()
    {
        var result = SignedNote.Open(Text + "\n" + PeterSig + EnochSig, [Peter]);

        Assert.True(result.IsVerified, result.Problem);
        Assert.Equal(Text, result.Note!.Text);
        Assert.Equal([Peter], result.VerifiedBy);
        Assert.Equal(2, result.Note.Signatures.Count);

        var both = SignedNote.Open(Text + "\n" + PeterSig + EnochSig, [Peter, Enoch]);
        Assert.True(both.IsVerified, both.Problem);
        Assert.Equal(2, both.VerifiedBy.Count);
    }

    [Fact]
    public void Open_OnlyUnknownKeys_IsRejectedNamingTheSigners()
    {
        var result = SignedNote.Open(Text + "\n" + PeterSig + EnochSig, [NoteSigner.Generate("PeterNeumann").Verifier]);

        Assert.False(result.IsVerified);
        Assert.Contains("no signature from a trusted key", result.Problem);
        Assert.Contains("PeterNeumann+c74f20a3", result.Problem);
    }

    [Fact]
    public void Open_CorruptedSignatureFromKnownKey_IsRejected()
    {
        var result = SignedNote.Open(Text + "\n" + PeterSig[..60] + "ABCD" + PeterSig[60..], [Peter]);

        Assert.False(result.IsVerified);
        Assert.Equal("invalid signature for key PeterNeumann+c74f20a3: the note was altered or the signature forged", result.Problem);
    }

    [Fact]
    public void Open_EditedText_IsRejected()
    {
        var result = SignedNote.Open(Text.Replace("answer", "Answer", StringComparison.Ordinal) + "\n" + PeterSig, [Peter]);

        Assert.False(result.IsVerified);
        Assert.StartsWith("invalid signature", result.Problem);
    }

    [Theory]
    [InlineData(Text)]
    [InlineData(Text + "\n")]
    [InlineData(Text + "\n" + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")]
    [InlineData("\u0001" + Text + "\n" + PeterSig)]
    [InlineData(Text + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData(Text + "\n" + PeterSig + "Unexpected line.\n")]
    [InlineData(Text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData(Text + "\n" + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n")]
    [InlineData(Text + "\r\n" + PeterSig)]
    public void Open_MalformedNote_IsRejectedAsMalformed(string encoded)
    {
        var result = SignedNote.Open(encoded, [Peter]);

        Assert.False(result.IsVerified);
        Assert.StartsWith("malformed note", result.Problem);
    }

    [Fact]
    public void Open_InvalidUtf8Bytes_IsRejectedAsMalformed()
    {
        var bytes = Encoding.UTF8.GetBytes(Text + "\n" + PeterSig);
        Assert.True(SignedNote.Open(bytes, [Peter]).IsVerified);

        var result = SignedNote.Open([0xff, .. bytes], [Peter]);

        Assert.Equal("malformed note: not valid UTF-8", result.Problem);
    }

    [Fact]
    public void Open_TooManySignatures_IsRejected()
    {
        var result = SignedNote.Open(Text + "\n" + string.Concat(Enumerable.Repeat(PeterSig, 101)), [Peter]);

        Assert.StartsWith("malformed note", result.Problem);
    }

    [Fact]
    public void Sign_TextWithoutFinalNewline_Throws()
    {
        using var signer = NoteSigner.Generate("example.com/log");

        Assert.Throws<ArgumentException>(() => SignedNote.Sign("abc", signer));
    }

    [Fact]
    public void Checkpoint_SignAndOpen_RoundTrips()
    {
        using var signer = NoteSigner.Generate("warden.example/audit");
        var root = MerkleHash.Leaf("x"u8);
        var checkpoint = new Checkpoint("warden.example/audit", 20852163, root);

        var signed = checkpoint.Sign(signer);
        var opened = Checkpoint.Open(signed, [signer.Verifier], "warden.example/audit");

        Assert.StartsWith($"warden.example/audit\n20852163\n{Convert.ToBase64String(root)}\n\n\u2014 warden.example/audit ", signed);
        Assert.True(opened.IsVerified, opened.Problem);
        Assert.Equal(20852163, opened.Checkpoint!.TreeSize);
        Assert.Equal(root, opened.Checkpoint.RootHash);
    }

    [Fact]
    public void Checkpoint_WithExtensionLines_RoundTrips()
    {
        using var signer = NoteSigner.Generate("log");
        var signed = new Checkpoint("log", 0, MerkleHash.EmptyRoot, ["ext one", "ext two"]).Sign(signer);

        var opened = Checkpoint.Open(signed, [signer.Verifier]);

        Assert.True(opened.IsVerified, opened.Problem);
        Assert.Equal(["ext one", "ext two"], opened.Checkpoint!.Extensions);
    }

    [Fact]
    public void Checkpoint_EditedTreeSize_FailsSignature()
    {
        using var signer = NoteSigner.Generate("log");
        var signed = new Checkpoint("log", 10, MerkleHash.EmptyRoot).Sign(signer);

        var opened = Checkpoint.Open(signed.Replace("\n10\n", "\n9\n", StringComparison.Ordinal), [signer.Verifier]);

        Assert.False(opened.IsVerified);
        Assert.StartsWith("invalid signature for key log+", opened.Problem);
    }

    [Fact]
    public void Checkpoint_SignedBySameNameOtherKey_IsRejected()
    {
        using var real = NoteSigner.Generate("log");
        using var forger = NoteSigner.Generate("log");

        var opened = Checkpoint.Open(new Checkpoint("log", 10, MerkleHash.EmptyRoot).Sign(forger), [real.Verifier]);

        Assert.False(opened.IsVerified);
        Assert.StartsWith("no signature from a trusted key", opened.Problem);
    }

    [Fact]
    public void Checkpoint_OtherOrigin_IsRejected()
    {
        using var signer = NoteSigner.Generate("log");

        var opened = Checkpoint.Open(new Checkpoint("other", 1, MerkleHash.EmptyRoot).Sign(signer), [signer.Verifier], "log");

        Assert.Equal("the checkpoint is for log 'other', not 'log'", opened.Problem);
    }

    [Theory]
    [InlineData("log\n10\n")]
    [InlineData("log\n010\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("log\n 1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("log\n99999999999999999999\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n")]
    [InlineData("log\n1\nAAAA\n")]
    [InlineData("\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\nextension after blank\n")]
    [InlineData("log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    public void ParseCheckpointText_Malformed_IsRejected(string text)
    {
        Assert.False(Checkpoint.TryParseText(text, out _, out var problem));
        Assert.StartsWith("malformed checkpoint", problem);
    }
}
