using Microsoft.Extensions.Logging;
using Warden.Core.Audit.Redaction;

namespace Warden.Gateway.Logging;

/// <summary>A logger that hands its provider the message, the structured values and the exception text with secrets masked.</summary>
internal sealed class RedactingLogger(ILogger inner, Func<SecretRedactor> redactor) : ILogger
{
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
        var redactedMessage = secrets.Redact(message);
        var values = RedactedLogState.Redact(state as IReadOnlyList<KeyValuePair<string, object?>>, secrets, ref redactedMessage);
        var redactedException = exception is null ? null : RedactedException.Of(exception, secrets);
        if (values is null && ReferenceEquals(message, redactedMessage) && ReferenceEquals(exception, redactedException))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        inner.Log(logLevel, eventId, new RedactedLogState(redactedMessage, values ?? state as IReadOnlyList<KeyValuePair<string, object?>> ?? []), redactedException, static (s, _) => s.ToString());
    }
}
