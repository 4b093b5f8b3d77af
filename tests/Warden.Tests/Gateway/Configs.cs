namespace Warden.Tests.Gateway;

using Warden.Tests.Infrastructure;

/// <summary>warden.yaml snippets used by the gateway tests.</summary>
internal static class Configs
{
    public static string StdioTestServer(string name = "test", string timeout = "10s", string mode = "session") => $$"""
        servers:
          {{name}}:
            command: dotnet
            args: ["{{TestPaths.TestServerDll}}", "--stdio"]
            mode: {{mode}}
            timeout: {{timeout}}
        """;

    public static string HttpTestServer(string url, string name = "web") => $$"""
        servers:
          {{name}}:
            url: {{url}}
            transport: streamable-http
            protocolVersion: 2025-11-25
        """;

    /// <summary>A legacy HTTP+SSE upstream; the protocol version is negotiated, not pinned.</summary>
    public static string SseTestServer(string sseUrl, string transport = "sse", string name = "legacy") => $$"""
        servers:
          {{name}}:
            url: {{sseUrl}}
            transport: {{transport}}
        """;
}
