using Microsoft.Extensions.Logging;
using Warden.Core.Audit.Redaction;

namespace Warden.Gateway.Logging;

/// <summary>
/// Wraps the host's logger factory so that every logger Warden, ASP.NET Core and the MCP SDK create masks secrets
/// in what it writes: upstream stderr lines, upstream error messages, exception texts, structured values.
/// </summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner, Func<SecretRedactor> redactor) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redactor);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
