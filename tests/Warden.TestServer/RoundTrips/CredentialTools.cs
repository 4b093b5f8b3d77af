using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;
using Warden.TestServer.Hosting;

namespace Warden.TestServer.RoundTrips;

/// <summary>
/// Reports which credential this server was given, as a SHA-256 fingerprint (so the secret itself never flows back
/// through the gateway into a result, a log or an audit record): an environment variable of this process (stdio) or a
/// header of this request (HTTP).
/// </summary>
[McpServerToolType]
public sealed class CredentialTools
{
    [McpServerTool(Name = "credential_fingerprint", ReadOnly = true)]
    [Description("Returns the SHA-256 (hex) of the named environment variable (stdio) or request header (HTTP), or null when absent.")]
    public static string CredentialFingerprint(RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams> context, [Description("Variable or header name")] string name)
    {
        var http = context.Services?.GetService<IHttpContextAccessor>()?.HttpContext;
        var value = http is null ? Environment.GetEnvironmentVariable(name) : http.Request.Headers[name].ToString() is { Length: > 0 } header ? header : null;
        return new JsonObject
        {
            ["name"] = name,
            ["sha256"] = value is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))),
        }.ToJsonString(TestServerJson.Options);
    }
}
