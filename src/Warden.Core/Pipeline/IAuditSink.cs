namespace Warden.Core.Pipeline;

/// <summary>The "record" step: where the pipeline writes what happened.</summary>
public interface IAuditSink
{
    ValueTask RecordAsync(AuditEntry entry, CancellationToken cancellationToken);
}
