namespace Warden.TestServer.Hosting;

/// <summary>How the test server talks to its client.</summary>
public enum TestServerTransport
{
    /// <summary>Streamable HTTP at <c>/mcp</c> (plus legacy HTTP+SSE when enabled).</summary>
    Http,

    /// <summary>Newline-delimited JSON-RPC over stdin/stdout.</summary>
    Stdio,
}
