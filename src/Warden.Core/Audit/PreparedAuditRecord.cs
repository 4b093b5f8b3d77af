namespace Warden.Core.Audit;

/// <summary>
/// A record encoded canonically before it has a place in the log (<see cref="AuditRecordEncoder.Prepare"/>): the
/// stored encoding with placeholders for hash, prev_hash and seq, and where they are.
/// </summary>
public sealed class PreparedAuditRecord
{
    internal PreparedAuditRecord(AuditRecord record, byte[] template, int hashStart, int hashEnd, int prevHashAt, int seqStart, int seqEnd)
    {
        Record = record;
        Template = template;
        HashStart = hashStart;
        HashEnd = hashEnd;
        PrevHashAt = prevHashAt;
        SeqStart = seqStart;
        SeqEnd = seqEnd;
    }

    /// <summary>The record as given (seq, prev_hash and hash not yet set).</summary>
    public AuditRecord Record { get; }

    internal byte[] Template { get; }

    // [HashStart, HashEnd): the whole ,"hash":"…" property; PrevHashAt: the first of prev_hash's 64 digits;
    // [SeqStart, SeqEnd): seq's digits.
    internal int HashStart { get; }

    internal int HashEnd { get; }

    internal int PrevHashAt { get; }

    internal int SeqStart { get; }

    internal int SeqEnd { get; }
}
