using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Warden.Core.Audit;

/// <summary>
/// A transparency-log checkpoint (c2sp.org/tlog-checkpoint): the note text <c>origin\nsize\nbase64(root)\n</c>
/// plus optional extension lines, carried in a signed note.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Creates a checkpoint; validates every field as the spec requires.</summary>
    public Checkpoint(string origin, long treeSize, ReadOnlySpan<byte> rootHash, IReadOnlyList<string>? extensions = null)
    {
        if (origin.Length == 0 || origin.Contains('\n', StringComparison.Ordinal) || SignedNote.CheckText(origin + "\n") is not null)
        {
            throw new ArgumentException("A checkpoint origin is one non-empty line of text without control characters.", nameof(origin));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        if (rootHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"A root hash is {MerkleHash.Size} bytes.", nameof(rootHash));
        }

        foreach (var line in extensions ?? [])
        {
            if (line.Length == 0 || line.Contains('\n', StringComparison.Ordinal) || SignedNote.CheckText(line + "\n") is not null)
            {
                throw new ArgumentException("Checkpoint extension lines must be non-empty single lines without control characters.", nameof(extensions));
            }
        }

        Origin = origin;
        TreeSize = treeSize;
        RootHash = rootHash.ToArray();
        Extensions = extensions?.ToArray() ?? [];
    }

    /// <summary>The log's identity (Warden uses its audit key name).</summary>
    public string Origin { get; }

    /// <summary>The number of leaves (records) the checkpoint covers.</summary>
    public long TreeSize { get; }

    /// <summary>The RFC 6962 root hash of the first <see cref="TreeSize"/> leaves.</summary>
    public byte[] RootHash { get; }

    /// <summary>Opaque extension lines after the root hash (usually none).</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The note text: origin, size and base64 root, each ending in a newline, then any extension lines.</summary>
    public string ToNoteText()
    {
        var builder = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(TreeSize.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash)).Append('\n');
        foreach (var line in Extensions)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Signs this checkpoint; returns the encoded signed note.</summary>
    public string Sign(NoteSigner signer) => SignedNote.Sign(ToNoteText(), signer).Encode();

    /// <summary>
    /// Opens a signed checkpoint: the note must verify against <paramref name="verifiers"/>, its text must be a
    /// well-formed checkpoint, and when <paramref name="expectedOrigin"/> is given, its origin must match.
    /// </summary>
    public static CheckpointVerification Open(string signedNote, IEnumerable<NoteVerifier> verifiers, string? expectedOrigin = null)
    {
        var note = SignedNote.Open(signedNote, verifiers);
        if (!note.IsVerified)
        {
            return new CheckpointVerification(null, [], note.Problem);
        }

        if (!TryParseText(note.Note!.Text, out var checkpoint, out var problem))
        {
            return new CheckpointVerification(null, [], problem);
        }

        if (expectedOrigin is not null && checkpoint.Origin != expectedOrigin)
        {
            return new CheckpointVerification(null, [], $"the checkpoint is for log '{checkpoint.Origin}', not '{expectedOrigin}'");
        }

        return new CheckpointVerification(checkpoint, note.VerifiedBy, null);
    }

    /// <summary>Parses checkpoint note text (no signature check).</summary>
    public static bool TryParseText(string text, [NotNullWhen(true)] out Checkpoint? checkpoint, [NotNullWhen(false)] out string? problem)
    {
        checkpoint = null;
        if (SignedNote.CheckText(text) is { } textProblem)
        {
            problem = $"malformed checkpoint: {textProblem}";
            return false;
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            problem = "malformed checkpoint: it needs an origin, a tree size and a root hash line";
            return false;
        }

        if (lines[0].Length == 0)
        {
            problem = "malformed checkpoint: the origin line is empty";
            return false;
        }

        var sizeText = lines[1];
        if (sizeText.Length == 0 || sizeText.Length > 19 || !sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            problem = $"malformed checkpoint: tree size '{sizeText}' is not a decimal number without leading zeros";
            return false;
        }

        var root = NoteVerifier.DecodeBase64(lines[2]);
        if (root is null || root.Length != MerkleHash.Size || Convert.ToBase64String(root) != lines[2])
        {
            problem = "malformed checkpoint: the root hash line is not the base64 of a 32-byte hash";
            return false;
        }

        var extensions = lines[3..];
        if (extensions.Any(line => line.Length == 0))
        {
            problem = "malformed checkpoint: an extension line is empty";
            return false;
        }

        checkpoint = new Checkpoint(lines[0], size, root, extensions);
        problem = null;
        return true;
    }
}
