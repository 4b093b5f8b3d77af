using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>
/// The npm tools the interop tests run, at the versions pinned in tests/tools/package.json. They are
/// installed by scripts/test.sh (npm ci); a missing one fails the test with that instruction, never a skip.
/// </summary>
internal static class NodeTools
{
    public static string NodeModules { get; } = Path.Combine(TestPaths.RepoRoot, "tests", "tools", "node_modules");

    /// <summary>The pinned Node.js (npm package <c>node</c>), not whatever node is on PATH.</summary>
    public static string Node => Require(Path.Combine(NodeModules, "node", "bin", OperatingSystem.IsWindows() ? "node.exe" : "node"));

    /// <summary>@modelcontextprotocol/server-everything's entry point; argument stdio or streamableHttp.</summary>
    public static string EverythingServer => Require(Path.Combine(NodeModules, "@modelcontextprotocol", "server-everything", "dist", "index.js"));

    /// <summary>@modelcontextprotocol/server-filesystem's entry point; arguments are the allowed directories.</summary>
    public static string FilesystemServer => Require(Path.Combine(NodeModules, "@modelcontextprotocol", "server-filesystem", "dist", "index.js"));

    /// <summary>The <c>mcp-inspector-cli</c> bin of @modelcontextprotocol/inspector-cli.</summary>
    public static string InspectorCli => Require(Path.Combine(NodeModules, "@modelcontextprotocol", "inspector-cli", "build", "cli.js"));

    /// <summary>The TypeScript SDK the client script imports (checked here so the message is ours, not node's).</summary>
    public static string TypeScriptSdk => Require(Path.Combine(NodeModules, "@modelcontextprotocol", "sdk", "dist", "esm", "client", "index.js"));

    /// <summary>A script of ours in tests/interop.</summary>
    public static string Script(string name)
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "interop", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"The interop script {path} is missing from the repository.", path);
    }

    private static string Require(string path) => File.Exists(path)
        ? path
        : throw new InvalidOperationException(
            $"{path} is missing: the npm test tools are not installed. Run scripts/test.sh, which runs `npm ci` in tests/tools, then run the tests again.");
}
