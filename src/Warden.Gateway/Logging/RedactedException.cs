using Warden.Core.Audit.Redaction;

namespace Warden.Gateway.Logging;

/// <summary>Stands in for a logged exception whose text held a secret: it prints as the original did, masked.</summary>
internal sealed class RedactedException : Exception
{
    private readonly string _text;

    private RedactedException(string message, string text)
        : base(message) => _text = text;

    public override string? StackTrace => null;

    public override string ToString() => _text;

    /// <summary>The exception itself when its text holds no secret, else a stand-in that prints it masked.</summary>
    public static Exception Of(Exception exception, SecretRedactor redactor)
    {
        var text = exception.ToString();
        var masked = redactor.Redact(text);
        return ReferenceEquals(text, masked) ? exception : new RedactedException(redactor.Redact(exception.Message), masked);
    }
}
