using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Warden.Core.Audit;

/// <summary>
/// A C2SP signed note (c2sp.org/signed-note): UTF-8 text ending in a newline, a blank line, then one line per
/// signature, <c>— name base64(key id || signature)</c>. Parsing is strict; verification follows the spec: unknown
/// keys are ignored, a known key whose signature fails rejects the note, and at least one known key must verify.
/// </summary>
public sealed class SignedNote
{
    /// <summary>Signatures beyond this many make a note malformed (the spec asks verifiers to accept at least 16).</summary>
    public const int MaxSignatures = 100;

    private const string SignaturePrefix = "\u2014 ";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        Text = text;
        Signatures = signatures;
    }

    /// <summary>The signed text, including its final newline.</summary>
    public string Text { get; }

    /// <summary>The signature lines, in order.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signs <paramref name="text"/> (which must end in a newline) with each signer.</summary>
    public static SignedNote Sign(string text, params IEnumerable<NoteSigner> signers)
    {
        if (CheckText(text) is { } problem)
        {
            throw new ArgumentException($"Cannot sign this note text: {problem}", nameof(text));
        }

        var message = Encoding.UTF8.GetBytes(text);
        var signatures = signers.Select(s => new NoteSignature(s.Name, s.KeyId, s.Sign(message))).ToList();
        if (signatures.Count == 0)
        {
            throw new ArgumentException("A signed note needs at least one signer.", nameof(signers));
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>Parses and verifies an encoded note in one step.</summary>
    public static NoteVerification Open(string encoded, IEnumerable<NoteVerifier> verifiers) =>
        TryParse(encoded, out var note, out var problem) ? note.Verify(verifiers) : NoteVerification.Failed(null, problem);

    /// <summary>Parses and verifies an encoded note given as UTF-8 bytes (invalid UTF-8 is malformed).</summary>
    public static NoteVerification Open(ReadOnlySpan<byte> utf8, IEnumerable<NoteVerifier> verifiers)
    {
        string encoded;
        try
        {
            encoded = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            return NoteVerification.Failed(null, "malformed note: not valid UTF-8");
        }

        return Open(encoded, verifiers);
    }

    /// <summary>Parses the syntax of an encoded note without checking any signature.</summary>
    public static bool TryParse(string encoded, [NotNullWhen(true)] out SignedNote? note, [NotNullWhen(false)] out string? problem)
    {
        note = null;
        if (CheckCharacters(encoded) is { } charProblem)
        {
            problem = $"malformed note: {charProblem}";
            return false;
        }

        var split = encoded.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            problem = "malformed note: no blank line separates the text from the signatures";
            return false;
        }

        var text = encoded[..(split + 1)];
        var block = encoded[(split + 2)..];
        if (block.Length == 0 || block[^1] != '\n')
        {
            problem = "malformed note: the signature lines are missing or do not end in a newline";
            return false;
        }

        var lines = block[..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            problem = $"malformed note: more than {MaxSignatures} signatures";
            return false;
        }

        var signatures = new List<NoteSignature>(lines.Length);
        foreach (var line in lines)
        {
            if (ParseSignatureLine(line) is not { } signature)
            {
                problem = $"malformed note: '{Truncate(line)}' is not a signature line ('— name base64')";
                return false;
            }

            signatures.Add(signature);
        }

        note = new SignedNote(text, signatures);
        problem = null;
        return true;
    }

    /// <summary>Checks the signatures against the trusted <paramref name="verifiers"/>.</summary>
    public NoteVerification Verify(IEnumerable<NoteVerifier> verifiers)
    {
        var known = new Dictionary<(string Name, uint KeyId), NoteVerifier>();
        foreach (var verifier in verifiers)
        {
            if (known.TryGetValue((verifier.Name, verifier.KeyId), out var existing) && existing.VerifierKey != verifier.VerifierKey)
            {
                return NoteVerification.Failed(this, $"ambiguous key {verifier.Name}+{verifier.KeyId:x8}: two trusted keys share a name and key id");
            }

            known[(verifier.Name, verifier.KeyId)] = verifier;
        }

        var message = Encoding.UTF8.GetBytes(Text);
        var verifiedBy = new List<NoteVerifier>();
        foreach (var signature in Signatures)
        {
            if (!known.TryGetValue((signature.Name, signature.KeyId), out var verifier))
            {
                // Unknown keys are ignored (witness cosignatures, keys this reader does not trust).
                continue;
            }

            if (!verifier.Verify(message, signature.Signature))
            {
                return NoteVerification.Failed(this, $"invalid signature for key {signature.KeyLabel}: the note was altered or the signature forged");
            }

            if (!verifiedBy.Contains(verifier))
            {
                verifiedBy.Add(verifier);
            }
        }

        if (verifiedBy.Count == 0)
        {
            var signers = string.Join(", ", Signatures.Select(s => s.KeyLabel));
            return NoteVerification.Failed(this, $"no signature from a trusted key (signed by {signers})");
        }

        return new NoteVerification(this, verifiedBy, null);
    }

    /// <summary>The encoded note: text, blank line, signature lines.</summary>
    public string Encode()
    {
        var builder = new StringBuilder(Text).Append('\n');
        Span<byte> prefixed = stackalloc byte[4];
        foreach (var signature in Signatures)
        {
            BinaryPrimitives.WriteUInt32BigEndian(prefixed, signature.KeyId);
            builder.Append(SignaturePrefix).Append(signature.Name).Append(' ')
                .Append(Convert.ToBase64String([.. prefixed, .. signature.Signature])).Append('\n');
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Encode();

    /// <summary>Why <paramref name="text"/> cannot be a note's text, or null when it can.</summary>
    internal static string? CheckText(string text)
    {
        if (text.Length == 0 || text[^1] != '\n')
        {
            return "the text must end with a newline";
        }

        return CheckCharacters(text);
    }

    private static string? CheckCharacters(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x20 && c != '\n')
            {
                return $"control character U+{(int)c:X4} at offset {i}";
            }

            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return $"invalid Unicode at offset {i}";
                }

                i++;
            }
        }

        return null;
    }

    private static NoteSignature? ParseSignatureLine(string line)
    {
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = line[SignaturePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return null;
        }

        var name = rest[..space];
        var bytes = NoteVerifier.DecodeBase64(rest[(space + 1)..]);
        if (!NoteVerifier.IsValidName(name) || bytes is null || bytes.Length < 5)
        {
            return null;
        }

        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]);
    }

    private static string Truncate(string line) => line.Length <= 40 ? line : line[..40] + "…";
}
