using System.Diagnostics;
using OpenTelemetry;
using Warden.Core.Audit.Redaction;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// Masks secrets in what a span carries out of the process, before any exporter sees it: string tags (a resource
/// URI can hold a password or a token) and the status description (an upstream's error message).
/// </summary>
internal sealed class RedactingSpanProcessor(Func<SecretRedactor> redactor) : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        var secrets = redactor();
        List<KeyValuePair<string, string>>? masked = null;
        foreach (var (key, value) in data.TagObjects)
        {
            if (value is string text && secrets.Redact(text) is var redacted && !ReferenceEquals(text, redacted))
            {
                (masked ??= []).Add(new KeyValuePair<string, string>(key, redacted));
            }
        }

        foreach (var (key, value) in masked ?? [])
        {
            data.SetTag(key, value);
        }

        if (data.StatusDescription is { } description && secrets.Redact(description) is var status && !ReferenceEquals(description, status))
        {
            data.SetStatus(data.Status, status);
        }
    }
}
