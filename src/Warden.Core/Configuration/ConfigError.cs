namespace Warden.Core.Configuration;

/// <summary>One problem in a configuration file, with the path of the offending field.</summary>
public sealed record ConfigError(string Path, string Message, int? Line = null)
{
    public override string ToString() => Line is { } line ? $"{Path}: {Message} (line {line})" : $"{Path}: {Message}";
}
