namespace Warden.Core.Configuration;

/// <summary>
/// One <c>audit.redact</c> pattern: text matching <see cref="Pattern"/> (a .NET regular expression; only its
/// <c>(?&lt;secret&gt;…)</c> group when it has one) is replaced by <c>[REDACTED:<see cref="Name"/>]</c> before anything
/// is recorded or logged.
/// </summary>
public sealed record RedactPattern(string Name, string Pattern);
