using System.Reflection;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>Warden's own identity in MCP (serverInfo to clients, clientInfo to upstreams).</summary>
internal static class WardenInfo
{
    public static string Version { get; } =
        typeof(WardenInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Implementation Implementation { get; } = new() { Name = "warden", Title = "Warden MCP gateway", Version = Version };
}
