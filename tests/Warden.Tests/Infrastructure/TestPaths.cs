namespace Warden.Tests.Infrastructure;

/// <summary>Locates the repository and the binaries built beside the tests.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Configuration { get; } = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The test upstream's dll, run with `dotnet`.</summary>
    public static string TestServerDll => Path.Combine(RepoRoot, "tests", "Warden.TestServer", "bin", Configuration, "net10.0", "warden-test-server.dll");

    /// <summary>The built `warden` CLI's dll, run with `dotnet`.</summary>
    public static string WardenCliDll => Path.Combine(RepoRoot, "src", "Warden.Cli", "bin", Configuration, "net10.0", "warden.dll");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Warden.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cannot find Warden.slnx above the test binaries.");
    }
}
