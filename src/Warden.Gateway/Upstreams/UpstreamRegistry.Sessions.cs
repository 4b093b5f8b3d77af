using Microsoft.Extensions.Logging;
using Warden.Core.Configuration;

namespace Warden.Gateway.Upstreams;

// Ending upstream HTTP sessions. Warden's transports never DELETE on their own (OwnsSession = false): an
// upstream session outlives its connection for as long as some replica may resume it from the client's
// session ticket, and GatewaySession decides when that is over.
internal sealed partial class UpstreamRegistry
{
    /// <summary>How long Warden waits for an upstream to acknowledge the end of a session (a client's DELETE waits on it).</summary>
    private static readonly TimeSpan EndSessionTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Ends an upstream's Streamable HTTP session with DELETE. Best effort: an upstream that does not
    /// support DELETE, already forgot the session, is down or is slow only gets a log line: nothing will
    /// use the session again either way, and the upstream expires it itself in the end.
    /// </summary>
    public async Task EndSessionAsync(ServerConfig server, string sessionId, string? protocolVersion)
    {
        if (server is not { Kind: UpstreamKind.Http, Url: { } url })
        {
            return;
        }

        using var delete = new HttpRequestMessage(HttpMethod.Delete, url);
        delete.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        if ((protocolVersion ?? server.ProtocolVersion) is { } version)
        {
            delete.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
        }

        foreach (var (key, value) in server.Headers)
        {
            delete.Headers.TryAddWithoutValidation(key, value);
        }

        using var timeout = new CancellationTokenSource(EndSessionTimeout, _time);
        try
        {
            using var response = await _httpClient.SendAsync(delete, timeout.Token).ConfigureAwait(false);
            // 404: the upstream already ended it; 405: the upstream does not let clients end sessions.
            if (!response.IsSuccessStatusCode && response.StatusCode is not (System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.MethodNotAllowed))
            {
                LogEndSessionFailed(server.Name, $"HTTP {(int)response.StatusCode} {response.StatusCode}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
            LogEndSessionFailed(server.Name, timeout.IsCancellationRequested ? $"no answer within {EndSessionTimeout.TotalSeconds:0.###}s" : UpstreamConnection.Describe(ex));
        }
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Upstream {Server}: ending the session failed: {Reason}")]
    private partial void LogEndSessionFailed(string server, string reason);
}
