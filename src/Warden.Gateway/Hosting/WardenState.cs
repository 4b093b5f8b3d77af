using Warden.Core.Configuration;

namespace Warden.Gateway.Hosting;

/// <summary>The configuration in force now (replaced on hot reload) and where Warden keeps its data.</summary>
public sealed class WardenState(WardenConfig config, string dataDirectory)
{
    private volatile WardenConfig _config = config;

    public WardenConfig Config
    {
        get => _config;
        internal set => _config = value;
    }

    public string DataDirectory { get; } = dataDirectory;
}
