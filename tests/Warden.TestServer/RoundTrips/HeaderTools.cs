using System.ComponentModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;
using Warden.TestServer.Hosting;

namespace Warden.TestServer.RoundTrips;

/// <summary>
/// Reports the HTTP headers this server received, so tests can prove what a gateway passes on (and what it must not,
/// such as the client's Authorization header).
/// </summary>
[McpServerToolType]
public sealed class HeaderTools
{
    [McpServerTool(Name = "echo_http_headers", ReadOnly = true)]
    [Description("Returns the HTTP headers of this request, and how many requests to this server so far carried an Authorization header.")]
    public static string EchoHttpHeaders(RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams> context)
    {
        var headers = context.Services?.GetService<IHttpContextAccessor>()?.HttpContext?.Request.Headers;
        var received = new JsonObject();
        foreach (var (name, values) in headers ?? (IHeaderDictionary)new HeaderDictionary())
        {
            received[name.ToLowerInvariant()] = values.ToString();
        }

        return new JsonObject
        {
            ["transport"] = headers is null ? "stdio" : "http",
            ["headers"] = received,
            ["authorizationSeen"] = RequestLog.AuthorizationSeen,
            ["requestsSeen"] = RequestLog.RequestsSeen,
        }.ToJsonString(TestServerJson.Options);
    }
}
