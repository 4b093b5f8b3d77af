using Microsoft.Extensions.Logging;
using Warden.Core.Audit.Redaction;

namespace Warden.Gateway.Logging;

/// <summary>
/// A logger that hands its provider the message, the structured values and the exception text with secrets masked.
/// Text logged a line at a time (the MCP SDK logs each stderr line of a stdio server) can spread a private key over
/// several messages: after one that opens a key block, the next messages are masked whole until one closes it.
/// </summary>
internal sealed class RedactingLogger(ILogger inner, Func<SecretRedactor> redactor) : ILogger
{
    // A PEM or PGP private key is well under this many lines; a block never closed stops masking after it.
    private const int MaxKeyLines = 256;

    private readonly Lock _gate = new();
    private int _keyLinesLeft;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        var secrets = redactor();
        var message = formatter(state, exception);
        string redactedMessage;
        bool insideKey;
        lock (_gate)
        {
            insideKey = _keyLinesLeft > 0;
            var open = insideKey;
            redactedMessage = secrets.RedactLine(message, ref open);
            _keyLinesLeft = !open ? 0 : insideKey ? _keyLinesLeft - 1 : MaxKeyLines;
        }

        var pairs = state as IReadOnlyList<KeyValuePair<string, object?>>;
        var values = insideKey ? RedactedLogState.MaskAll(pairs) : RedactedLogState.Redact(pairs, secrets, ref redactedMessage);
        var redactedException = exception is null ? null : RedactedException.Of(exception, secrets);
        if (values is null && ReferenceEquals(message, redactedMessage) && ReferenceEquals(exception, redactedException))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        inner.Log(logLevel, eventId, new RedactedLogState(redactedMessage, values ?? pairs ?? []), redactedException, static (s, _) => s.ToString());
    }
}
