using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>warden.yaml snippets for the npm reference servers and the C# test server.</summary>
internal static class InteropConfigs
{
    public static string EverythingStdio(string name = "everything") => $$"""
        servers:
          {{name}}:
            command: "{{NodeTools.Node}}"
            args: ["{{NodeTools.EverythingServer}}", "stdio"]
            timeout: 30s
        """;

    public static string Http(string url, string name = "everything") => $$"""
        servers:
          {{name}}:
            url: {{url}}
        """;

    public static string Filesystem(string root, string name = "files") => $$"""
        servers:
          {{name}}:
            command: "{{NodeTools.Node}}"
            args: ["{{NodeTools.FilesystemServer}}", "{{root}}"]
            timeout: 30s
        """;

    public static string TestServer(string name = "test", string timeout = "10s") => $$"""
        servers:
          {{name}}:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            timeout: {{timeout}}
        """;

    /// <summary>server-filesystem beside the C# test server, which takes far longer to start (a dotnet process).</summary>
    public static string FilesystemAndTestServer(string root) => $$"""
        servers:
          files:
            command: "{{NodeTools.Node}}"
            args: ["{{NodeTools.FilesystemServer}}", "{{root}}"]
            timeout: 30s
          test:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            timeout: 30s
        """;
}
