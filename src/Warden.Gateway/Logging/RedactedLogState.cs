using System.Collections;
using Warden.Core.Audit.Redaction;

namespace Warden.Gateway.Logging;

/// <summary>A log entry's state after redaction: the masked message, and its structured values with string values masked.</summary>
internal sealed class RedactedLogState(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private const string OriginalFormat = "{OriginalFormat}";

    public int Count => values.Count;

    public KeyValuePair<string, object?> this[int index] => values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => message;

    /// <summary>The values with every string value replaced by the private-key marker (a message inside a key block).</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>>? MaskAll(IReadOnlyList<KeyValuePair<string, object?>>? state) =>
        state?.Select(p => p is { Key: not OriginalFormat, Value: string } ? new KeyValuePair<string, object?>(p.Key, SecretRedactor.Marker("private-key")) : p).ToArray();

    /// <summary>
    /// The values with secrets masked, or null when none had any. A value masked here but not in
    /// <paramref name="message"/> (a rule that needs the value alone, such as one ending its line) is masked there too.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object?>>? Redact(IReadOnlyList<KeyValuePair<string, object?>>? state, SecretRedactor redactor, ref string message)
    {
        if (state is null)
        {
            return null;
        }

        KeyValuePair<string, object?>[]? redacted = null;
        for (var i = 0; i < state.Count; i++)
        {
            if (state[i] is { Key: not OriginalFormat, Value: string text } && redactor.Redact(text) is var masked && !ReferenceEquals(text, masked))
            {
                redacted ??= [.. state];
                redacted[i] = new KeyValuePair<string, object?>(state[i].Key, masked);
                message = message.Replace(text, masked, StringComparison.Ordinal);
            }
        }

        return redacted;
    }
}
