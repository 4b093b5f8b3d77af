using System.Net;
using Microsoft.AspNetCore.Http;
using Warden.Gateway.Hosting;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Security;

/// <summary>
/// DNS-rebinding protection (an MCP transport MUST): the Host header must name this Warden and a browser
/// Origin, when present, must be loopback or explicitly allowed. Everything else gets 403 before any work.
/// </summary>
internal sealed class HostOriginValidation(RequestDelegate next, WardenState state)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var listen = state.Config.Listen;
        var host = context.Request.Host.Host;
        if (!HostAllowed(host, listen.AllowedHosts, listen.PublicUrl))
        {
            await McpHttpHandler.ErrorAsync(context, StatusCodes.Status403Forbidden, JsonRpcErrors.InvalidRequest,
                $"Host '{host}' is not allowed; add it to listen.allowedHosts if Warden is reached under that name.").ConfigureAwait(false);
            return;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !OriginAllowed(origin, listen.AllowedOrigins, listen.PublicUrl))
        {
            await McpHttpHandler.ErrorAsync(context, StatusCodes.Status403Forbidden, JsonRpcErrors.InvalidRequest,
                $"Origin '{origin}' is not allowed; add it to listen.allowedOrigins to let that web page call Warden.").ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    internal static bool HostAllowed(string host, IReadOnlyList<string> allowed, string? publicUrl)
    {
        if (allowed.Contains("*"))
        {
            return true;
        }

        if (IsLoopback(host) || allowed.Any(a => string.Equals(a, host, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return publicUrl is not null && Uri.TryCreate(publicUrl, UriKind.Absolute, out var pub) && string.Equals(pub.Host, host, StringComparison.OrdinalIgnoreCase);
    }

    internal static bool OriginAllowed(string origin, IReadOnlyList<string> allowed, string? publicUrl)
    {
        if (allowed.Any(a => string.Equals(a.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (IsLoopback(uri.Host))
        {
            return true;
        }

        return publicUrl is not null && Uri.TryCreate(publicUrl, UriKind.Absolute, out var pub)
            && string.Equals(pub.GetLeftPart(UriPartial.Authority), uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
