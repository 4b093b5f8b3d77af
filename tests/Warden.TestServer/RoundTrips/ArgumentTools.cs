using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.TestServer.Hosting;

namespace Warden.TestServer.RoundTrips;

/// <summary>Reports the arguments a call reached this server with, so tests can see what Warden forwarded (and took out).</summary>
[McpServerToolType]
public sealed class ArgumentTools
{
    [McpServerTool(Name = "echo_arguments", ReadOnly = false)]
    [Description("Returns the arguments of this call, exactly as received, as JSON. Marked readOnlyHint: false.")]
    public static string EchoArguments(RequestContext<CallToolRequestParams> context) =>
        JsonSerializer.Serialize(context.Params?.Arguments ?? new Dictionary<string, JsonElement>(), TestServerJson.Options);
}
