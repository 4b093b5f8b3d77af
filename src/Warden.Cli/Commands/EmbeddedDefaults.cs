using Warden.Core.Configuration;

namespace Warden.Cli.Commands;

/// <summary>The configuration used when no file is given: loopback only, the bundled demo server.</summary>
internal static class EmbeddedDefaults
{
    public static WardenConfig Create()
    {
        var demoDirectory = Path.Combine(AppContext.BaseDirectory, "demo-server");
        var apphost = Path.Combine(demoDirectory, OperatingSystem.IsWindows() ? "warden-demo-server.exe" : "warden-demo-server");
        var (command, args) = File.Exists(apphost)
            ? (apphost, Array.Empty<string>())
            : ("dotnet", new[] { Path.Combine(demoDirectory, "warden-demo-server.dll") });

        return new WardenConfig
        {
            Servers = new Dictionary<string, ServerConfig>(StringComparer.Ordinal)
            {
                ["demo"] = new ServerConfig
                {
                    Name = "demo",
                    Kind = UpstreamKind.Stdio,
                    Command = command,
                    Args = [.. args, "--root", Directory.GetCurrentDirectory()],
                    Mode = StdioMode.Session,
                    Description = "Demo tools bundled with Warden (files under the current directory, time, hashing, sampling).",
                },
            },
        };
    }
}
