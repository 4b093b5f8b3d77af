namespace Warden.Core.Audit.Redaction;

/// <summary>
/// Masks secrets in every field of a record that carries client or upstream data, before the record is sealed,
/// and notes in <see cref="AuditRecord.Redactions"/> which rules fired how often.
/// </summary>
public static class AuditRecordRedaction
{
    /// <summary>
    /// <paramref name="record"/> with secrets masked in the input (method, name, arguments, prompt), the output's
    /// error and diff, the data accessed (values and attributes), the agent identity, the request id and the
    /// decision's reason. <c>output.content</c> is left as it is: its hash must cover the redacted whole, so it is
    /// built redacted (<see cref="AuditOutput.FromJsonUtf8"/>, <see cref="AuditOutput.FromContent(string, int, SecretRedactor, RedactionTally)"/>)
    /// with the same <paramref name="tally"/>. The tally's counts become the record's <c>redactions</c>.
    /// </summary>
    public static AuditRecord Apply(AuditRecord record, SecretRedactor redactor, RedactionTally tally)
    {
        string? Text(string? value) => value is null ? null : redactor.Redact(value, tally);

        var input = record.Input with
        {
            Method = Text(record.Input.Method)!,
            Name = Text(record.Input.Name),
            Arguments = redactor.RedactJson(record.Input.Arguments, tally),
            Prompt = Text(record.Input.Prompt),
            Justification = Text(record.Input.Justification),
        };
        var output = record.Output is { } o ? o with { Error = Text(o.Error), Diff = Text(o.Diff) } : null;
        var data = record.DataAccessed.Select(d => d with
        {
            Value = Text(d.Value)!,
            Attributes = d.Attributes?.ToDictionary(a => a.Key, a => Text(a.Value)!, StringComparer.Ordinal),
        }).ToArray();
        var model = record.Model is { } m ? m with { Agent = Text(m.Agent), AgentVersion = Text(m.AgentVersion), Model = Text(m.Model), ModelVersion = Text(m.ModelVersion) } : null;

        return record with
        {
            Input = input,
            Output = output,
            DataAccessed = data,
            Model = model,
            RequestId = Text(record.RequestId),
            Decision = record.Decision with { Reason = Text(record.Decision.Reason) },
            Redactions = tally.ToDictionary(),
        };
    }

}
