using System.ComponentModel;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>
/// Probes used by the SEP-2575 <c>server-stateless</c> scenario to observe framework behaviour that an
/// ordinary tool never triggers: capability enforcement, response-stream discipline and log gating.
/// </summary>
[McpServerToolType]
public sealed class StatelessDiagnosticTools
{
    [McpServerTool(Name = "test_missing_capability", ReadOnly = true)]
    [Description("Requires the sampling client capability; without it fails with MissingRequiredClientCapability (-32021).")]
    public static string MissingCapability(McpServer server) => server.ClientCapabilities?.Sampling is not null
        ? "Client declared the sampling capability; tool executed."
        : throw new MissingRequiredClientCapabilityException(
            new ClientCapabilities { Sampling = new() },
            "This tool needs the sampling client capability; declare it in _meta clientCapabilities.");

    [McpServerTool(Name = "test_streaming_elicitation", ReadOnly = true)]
    [Description("Returns a plain result; its response stream must carry no independent JSON-RPC requests.")]
    public static string StreamingElicitation() => "stream observed: result frames only, no top-level requests";

    [McpServerTool(Name = "test_logging_tool", ReadOnly = true)]
    [Description("Tries to log to the client; the SDK must drop it unless the request set a log level in _meta.")]
    public static string LoggingTool(McpServer server)
    {
        // Deliberately uses the gated client-logger pipeline: the point is to prove the gate works.
        server.AsClientLoggerProvider().CreateLogger("diagnostics").LogInformation("test_logging_tool executed");
        return "Log attempted; framework gates on _meta.../logLevel.";
    }
}
