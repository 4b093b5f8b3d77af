using Warden.Core.Audit.Redaction;
using Warden.Core.Configuration;

namespace Warden.Gateway.Hosting;

/// <summary>The configuration in force now (replaced on hot reload), its secret redactor, and where Warden keeps its data.</summary>
public sealed class WardenState(WardenConfig config, string dataDirectory)
{
    // One reference, so a reader never pairs one configuration with another's redactor.
    private volatile Current _current = new(config, SecretRedactor.Create(config.Audit.Redact));

    public WardenConfig Config
    {
        get => _current.Config;
        internal set
        {
            var previous = _current;
            _current = new Current(value, previous.Config.Audit.Redact.SequenceEqual(value.Audit.Redact) ? previous.Redactor : SecretRedactor.Create(value.Audit.Redact));
        }
    }

    /// <summary>Masks secrets (built-in rules and <c>audit.redact</c>) in everything Warden records or logs.</summary>
    public SecretRedactor Redactor => _current.Redactor;

    public string DataDirectory { get; } = dataDirectory;

    private sealed record Current(WardenConfig Config, SecretRedactor Redactor);
}
