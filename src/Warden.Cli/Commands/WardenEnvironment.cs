using System.Reflection;
using System.CommandLine;
using Warden.Core.Configuration;

namespace Warden.Cli.Commands;

/// <summary>
/// How every command finds its configuration and data directory, so <c>serve</c> and the tools that read what
/// it wrote (<c>audit …</c>) always agree: <c>--config</c> or the embedded defaults; <c>--data</c>, then
/// <c>$WARDEN_HOME</c>, then <c>./.warden</c>.
/// </summary>
internal static class WardenEnvironment
{
    /// <summary>This build's version (the informational version without its commit suffix), as exports and bundles name it.</summary>
    public static string Version { get; } =
        typeof(WardenEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Option<FileInfo?> ConfigOption() =>
        new("--config", "-c") { Description = "Configuration file (default: embedded defaults with the demo server)" };

    public static Option<DirectoryInfo?> DataOption() =>
        new("--data") { Description = "Data directory (default: $WARDEN_HOME or ./.warden)" };

    public static string DataDirectory(DirectoryInfo? data) =>
        data?.FullName ?? Environment.GetEnvironmentVariable("WARDEN_HOME") ?? Path.Combine(Directory.GetCurrentDirectory(), ".warden");

    /// <summary>The configuration from <paramref name="file"/>, or the embedded defaults; null (problems written to stderr) when the file does not validate.</summary>
    public static WardenConfig? LoadConfig(FileInfo? file, string consequence)
    {
        if (file is null)
        {
            return EmbeddedDefaults.Create();
        }

        var result = ConfigParser.ParseFile(file.FullName);
        if (result.Config is not null)
        {
            return result.Config;
        }

        foreach (var error in result.Errors)
        {
            Console.Error.WriteLine(error);
        }

        Console.Error.WriteLine($"{file.FullName}: {consequence}; fix the {result.Errors.Count} problem(s) above (check with `warden config validate`).");
        return null;
    }

    /// <summary>
    /// The configuration, data directory and audit database path an audit command works on; null (what to do on
    /// stderr) when the configuration does not load or there is no log there.
    /// </summary>
    public static (WardenConfig Config, string DataDirectory, string DatabasePath)? LocateAuditLog(FileInfo? configFile, DirectoryInfo? data, string consequence)
    {
        if (LoadConfig(configFile, consequence) is not { } config)
        {
            return null;
        }

        var dataDirectory = DataDirectory(data);
        var databasePath = Warden.Gateway.Hosting.WardenGatewayExtensions.AuditDatabasePath(config, dataDirectory);
        if (!File.Exists(databasePath))
        {
            Console.Error.WriteLine($"There is no audit log at '{databasePath}'. Point at Warden's data directory with --data DIR (or WARDEN_HOME), "
                + "and pass the --config Warden runs with if it sets audit.database.");
            return null;
        }

        return (config, dataDirectory, databasePath);
    }
}
