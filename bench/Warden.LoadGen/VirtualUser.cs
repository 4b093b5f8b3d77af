using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Warden.LoadGen;

/// <summary>One simulated MCP client: its own HTTP connection pool and its own MCP session, calling tools in a loop.</summary>
internal sealed class VirtualUser : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly McpClient _client;

    private VirtualUser(HttpClient http, McpClient client)
    {
        _http = http;
        _client = client;
    }

    /// <summary>Opens a session (initialize handshake included); the time this takes is not measured.</summary>
    public static async Task<VirtualUser> ConnectAsync(BenchTarget target, LoadGenOptions options, int index, CancellationToken cancellationToken)
    {
        var http = new HttpClient(LoopbackGuard.CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            var transport = new HttpClientTransport(
                new HttpClientTransportOptions
                {
                    Endpoint = target.Endpoint,
                    Name = $"{target.Name}#{index}",
                    TransportMode = HttpTransportMode.StreamableHttp,
                    EnableStandaloneGetStream = options.StandaloneGetStream,
                },
                http);
            var client = await McpClient.CreateAsync(
                transport,
                new McpClientOptions
                {
                    ClientInfo = new Implementation { Name = "warden-loadgen", Version = "0.1.0" },
                    // Pinning a session-capable revision skips the ~5 s server/discover probe of newer SDKs.
                    ProtocolVersion = options.ProtocolVersion,
                },
                cancellationToken: cancellationToken);
            return new VirtualUser(http, client);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>Calls once and returns the error, or null on success; used to check a target before measuring.</summary>
    public async Task<string?> TryCallAsync(CallSpec call, CancellationToken cancellationToken)
    {
        try
        {
            return Describe(await _client.CallToolAsync(Request(call), cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Describe(ex);
        }
    }

    /// <summary>Loops until the window closes; a call in flight then finishes (or is cancelled by the caller's deadline).</summary>
    public async Task RunAsync(CallMix mix, RunWindow window, Random random, LatencySamples samples, CancellationToken cancellationToken)
    {
        var requests = mix.Calls.Select(Request).ToArray();
        while (Stopwatch.GetTimestamp() < window.MeasureEnd && !cancellationToken.IsCancellationRequested)
        {
            var call = mix.Pick(random);
            var started = Stopwatch.GetTimestamp();
            string? error;
            try
            {
                error = Describe(await _client.CallToolAsync(requests[call], cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                error = Describe(ex);
            }

            var completed = Stopwatch.GetTimestamp();
            if (!window.IsMeasured(completed))
            {
                continue;
            }

            if (error is null)
            {
                samples.Record(call, completed - started);
            }
            else
            {
                samples.RecordError(error);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Disposing the client ends the session (HTTP DELETE), so proxies can release per-session upstreams.
        await _client.DisposeAsync();
        _http.Dispose();
    }

    private static CallToolRequestParams Request(CallSpec call) => new()
    {
        Name = call.Tool,
        Arguments = new Dictionary<string, System.Text.Json.JsonElement>(call.Arguments, StringComparer.Ordinal),
    };

    private static string? Describe(CallToolResult result)
    {
        if (result.IsError != true)
        {
            return null;
        }

        var text = result.Content.OfType<TextContentBlock>().Select(t => t.Text).FirstOrDefault() ?? "(no text)";
        return "tool returned isError: " + ErrorText.OneLine(text);
    }

    private static string Describe(Exception ex) => ErrorText.Of(ex);
}
