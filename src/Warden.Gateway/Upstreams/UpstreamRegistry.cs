using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;
using Warden.Gateway.Mcp;
using Warden.Gateway.Telemetry;

namespace Warden.Gateway.Upstreams;

/// <summary>
/// Knows every configured upstream: starts and connects them, keeps shared connections, applies restart
/// backoff, tracks health, and applies configuration changes without touching unchanged servers.
/// </summary>
internal sealed partial class UpstreamRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServerState> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<UpstreamConnection, byte> _live = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HttpClient _httpClient;
    private readonly WardenState _state;
    private readonly WardenMetrics? _metrics;
    private readonly UpstreamCredentials? _credentials;
    private volatile bool _disposed;

    public UpstreamRegistry(ILoggerFactory loggerFactory, TimeProvider time, WardenState state, WardenMetrics? metrics = null, UpstreamCredentials? credentials = null)
    {
        _credentials = credentials;
        _loggerFactory = loggerFactory;
        _state = state;
        _logger = loggerFactory.CreateLogger("Warden.Upstreams");
        _time = time;
        _metrics = metrics;
        metrics?.ObserveUpstreams(Health);
        // One pooled handler for every HTTP upstream: connections are reused across sessions.
        _httpClient = new HttpClient(new TraceContextHandler
        {
            InnerHandler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 256,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
            },
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Raised after servers were added, changed or removed, with the names affected.</summary>
    public event Action<IReadOnlySet<string>>? ServersChanged;

    public IEnumerable<ServerConfig> Servers => _servers.Values.Select(s => s.Config).Where(c => c.Enabled).OrderBy(c => c.Name, StringComparer.Ordinal);

    public ServerConfig? Find(string name) => _servers.TryGetValue(name, out var state) && state.Config.Enabled ? state.Config : null;

    /// <summary>The generation of a server's config; it changes whenever the server's config changes.</summary>
    public int GenerationOf(string name) => _servers.TryGetValue(name, out var state) ? state.Generation : -1;

    /// <summary>Applies a new set of servers. Sessions on unchanged servers are untouched.</summary>
    public async Task ApplyAsync(IReadOnlyDictionary<string, ServerConfig> servers)
    {
        var affected = new HashSet<string>(StringComparer.Ordinal);
        var retired = new List<ServerState>();
        foreach (var (name, config) in servers)
        {
            if (_servers.TryGetValue(name, out var existing))
            {
                if (existing.Config.SameConnectionAs(config))
                {
                    existing.Config = config;
                    continue;
                }

                retired.Add(existing);
            }

            _servers[name] = new ServerState(config, existing is null ? 1 : existing.Generation + 1);
            affected.Add(name);
        }

        foreach (var name in _servers.Keys.Where(n => !servers.ContainsKey(n)).ToList())
        {
            if (_servers.TryRemove(name, out var removed))
            {
                retired.Add(removed);
                affected.Add(name);
            }
        }

        foreach (var state in retired)
        {
            if (state.Shared is { IsCompletedSuccessfully: true } shared && shared.Result.Connection is { } connection)
            {
                await DisposeConnectionAsync(connection).ConfigureAwait(false);
            }
        }

        ForgetPerUser(affected);
        if (affected.Count > 0)
        {
            LogServersChanged(string.Join(", ", affected));
            ServersChanged?.Invoke(affected);
        }
    }

    /// <summary>Gets (starting if needed) the connection a session should use for <paramref name="server"/>.</summary>
    public async Task<ConnectResult> ConnectAsync(ServerConfig server, JsonObject? clientInitialize, string? resumeSessionId, CancellationToken cancellationToken)
    {
        if (!_servers.TryGetValue(server.Name, out var state))
        {
            return ConnectResult.Fail($"Server '{server.Name}' is not configured.");
        }

        return await ConnectAsync(state, server, clientInitialize, resumeSessionId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ConnectResult> ConnectAsync(ServerState state, ServerConfig server, JsonObject? clientInitialize, string? resumeSessionId, CancellationToken cancellationToken)
    {
        if (server.Kind == UpstreamKind.Stdio && server.Mode == StdioMode.Shared)
        {
            return await SharedAsync(state, () => OpenAsync(state, server, WardenInitialize(server), null, shared: true, CancellationToken.None), cancellationToken).ConfigureAwait(false);
        }

        // A bridged session uses the stateless connection of its state: the server's, or the user's own when the
        // connection carries their credential (never another user's).
        if (state.StatelessOnly == true)
        {
            return await SharedAsync(state, () => OpenModernAsync(state, server), cancellationToken).ConfigureAwait(false);
        }

        var result = await OpenAsync(state, server, clientInitialize ?? WardenInitialize(server), resumeSessionId, shared: false, cancellationToken).ConfigureAwait(false);
        if (server.Kind == UpstreamKind.Http && server.Transport != HttpTransport.Sse && state.StatelessOnly is null && resumeSessionId is null)
        {
            // server/discover does not say whether a server also takes initialize, so a refused initialize from a
            // server that answers server/discover is how Warden learns that 2025 sessions must be bridged.
            if (result.Connection is not null)
            {
                state.StatelessOnly = false;
            }
            else if (await IsModernAsync(server, cancellationToken).ConfigureAwait(false))
            {
                state.StatelessOnly = true;
                LogBridgingSessions(server.Name, result.Error ?? "");
                return await SharedAsync(state, () => OpenModernAsync(state, server), cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>The server's one shared connection: the live one, the one being opened, or a new one.</summary>
    private static async Task<ConnectResult> SharedAsync(ServerState state, Func<Task<ConnectResult>> open, CancellationToken cancellationToken)
    {
        while (true)
        {
            var existing = state.Shared;
            if (existing is { IsCompleted: false })
            {
                return await existing.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (existing is { IsCompletedSuccessfully: true } && existing.Result.Connection is { IsClosed: false })
            {
                return existing.Result;
            }

            var started = new TaskCompletionSource<ConnectResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref state.Shared, started.Task, existing) != existing)
            {
                continue;
            }

            // The shared connection is opened outside any one caller's cancellation.
            var result = await open().ConfigureAwait(false);
            started.SetResult(result);
            return result;
        }
    }

    private async Task<ConnectResult> OpenAsync(ServerState state, ServerConfig server, JsonObject initialize, string? resumeSessionId, bool shared, CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return ConnectResult.Fail("Warden is shutting down.");
        }

        var wait = state.RetryAt - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            return ConnectResult.Fail($"Upstream server '{server.Name}' failed to start {state.Failures} times in a row; Warden retries in {Math.Ceiling(wait.TotalSeconds)}s. Last error: {state.LastError}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(server.ConnectTimeout);
        ITransport transport;
        try
        {
            transport = await CreateTransport(server, resumeSessionId).ConnectAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return Failed(state, server, $"Upstream server '{server.Name}' could not be started: {UpstreamConnection.Describe(ex)}");
        }

        var connection = new UpstreamConnection(server, transport, shared, _loggerFactory.CreateLogger($"Warden.Upstream.{server.Name}"), _time, _metrics);
        _live[connection] = 0;
        _ = connection.Completion.ContinueWith(_ => _live.TryRemove(connection, out byte _), TaskScheduler.Default);

        if (resumeSessionId is not null)
        {
            // Resuming an HTTP session another replica opened: the upstream already knows this client.
            state.Succeeded();
            return ConnectResult.Ok(connection);
        }

        var request = new JsonRpcRequest
        {
            Id = new RequestId(0),
            Method = RequestMethods.Initialize,
            Params = PinVersion(initialize.DeepClone().AsObject(), server),
        };
        var response = await connection.SendRequestAsync(request, null, null, timeout.Token, server.ConnectTimeout, awaitSend: true).ConfigureAwait(false);
        if (response is not JsonRpcResponse { Result: JsonObject result })
        {
            var error = response is JsonRpcError e ? e.Error.Message : "no result";
            await DisposeConnectionAsync(connection).ConfigureAwait(false);
            return Failed(state, server, $"Upstream server '{server.Name}' did not initialize: {error}");
        }

        connection.InitializeResult = result;
        await connection.SendAsync(new JsonRpcNotification { Method = NotificationMethods.InitializedNotification }, cancellationToken).ConfigureAwait(false);
        state.Succeeded();
        state.LastError = null;
        return ConnectResult.Ok(connection);
    }

    private ConnectResult Failed(ServerState state, ServerConfig server, string error)
    {
        state.Failed(error, _time.GetUtcNow());
        LogConnectFailed(server.Name, error);
        return ConnectResult.Fail(error);
    }

    private IClientTransport CreateTransport(ServerConfig server, string? resumeSessionId)
    {
        if (server.Kind == UpstreamKind.Stdio)
        {
            var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
            foreach (var (key, value) in server.Env)
            {
                environment[key] = value;
            }

            var stderr = _loggerFactory.CreateLogger($"Warden.Upstream.{server.Name}.stderr");

            // The logger masks each line; this also masks the body of a private key printed over several lines.
            var inPrivateKey = false;
            return new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = server.Name,
                Command = server.Command!,
                Arguments = [.. server.Args],
                WorkingDirectory = server.WorkingDirectory,
                // Warden's own environment may hold secrets; children get a safe base plus what the config names.
                InheritEnvironmentVariables = false,
                EnvironmentVariables = environment,
                StandardErrorLines = line => LogStderr(stderr, server.Name, _state.Redactor.RedactLine(line, ref inPrivateKey)),
                ShutdownTimeout = TimeSpan.FromSeconds(3),
            }, _loggerFactory);
        }

        var headers = new Dictionary<string, string>(server.Headers, StringComparer.OrdinalIgnoreCase);
        return new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = server.Name,
            Endpoint = server.Url!,
            TransportMode = server.Transport switch
            {
                HttpTransport.Sse => HttpTransportMode.Sse,
                HttpTransport.StreamableHttp => HttpTransportMode.StreamableHttp,
                _ => HttpTransportMode.AutoDetect,
            },
            AdditionalHeaders = headers,
            ConnectionTimeout = server.ConnectTimeout,
            KnownSessionId = resumeSessionId,
            // The client's sealed session id outlives this connection (any replica may resume the upstream
            // session from it), so closing a connection must not DELETE the upstream session;
            // EndSessionAsync does that when the client session really ends.
            OwnsSession = false,
        }, _httpClient, _loggerFactory, ownsHttpClient: false);
    }

    private static JsonObject PinVersion(JsonObject initialize, ServerConfig server)
    {
        if (server.ProtocolVersion is { } version)
        {
            initialize["protocolVersion"] = version;
        }

        return initialize;
    }

    /// <summary>Warden's own initialize params, for connections not tied to one client.</summary>
    private static JsonObject WardenInitialize(ServerConfig server) => new()
    {
        ["protocolVersion"] = server.ProtocolVersion ?? ProtocolVersions.Latest,
        ["capabilities"] = new JsonObject
        {
            ["roots"] = new JsonObject { ["listChanged"] = true },
            ["sampling"] = new JsonObject(),
            ["elicitation"] = new JsonObject(),
        },
        ["clientInfo"] = JsonSerializer.SerializeToNode(WardenInfo.Implementation, McpJsonSerialization.Options),
    };

    /// <summary>Health of each server for /readyz.</summary>
    public IReadOnlyList<UpstreamHealth> Health() =>
        [.. _servers.Values.Where(s => s.Config.Enabled).OrderBy(s => s.Config.Name, StringComparer.Ordinal)
            .Select(s => new UpstreamHealth(s.Config.Name, s.Config.Kind.ToString().ToLowerInvariant(), s.LastError is null, s.LastError,
                _live.Keys.Count(c => c.ServerName == s.Config.Name && !c.IsClosed)))];

    public async Task DisposeConnectionAsync(UpstreamConnection connection)
    {
        _live.TryRemove(connection, out _);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await Task.WhenAll(_live.Keys.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
        _live.Clear();
        _httpClient.Dispose();
    }

    private sealed class ServerState(ServerConfig config, int generation)
    {
        public Task<ConnectResult>? Shared;

        /// <summary>Whether the upstream speaks the stateless 2026-07-28 revision (null until probed).</summary>
        public bool? Modern;

        /// <summary>Whether the server refused initialize but speaks 2026-07-28 (null until a 2025 session first connected).</summary>
        public bool? StatelessOnly;

        public ServerConfig Config { get; set; } = config;
        public int Generation { get; } = generation;
        public int Failures { get; private set; }
        public DateTimeOffset RetryAt { get; private set; }
        public string? LastError { get; set; }

        public void Failed(string error, DateTimeOffset now)
        {
            Failures++;
            LastError = error;
            // The first failure retries at once; after that 0.5s, 1s, 2s ... up to 30s.
            RetryAt = Failures <= 1 ? now : now + TimeSpan.FromSeconds(Math.Min(30, 0.5 * Math.Pow(2, Failures - 2)));
        }

        public void Succeeded()
        {
            Failures = 0;
            RetryAt = default;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Upstream {Server}: {Error}")]
    private partial void LogConnectFailed(string server, string error);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Servers changed: {Servers}")]
    private partial void LogServersChanged(string servers);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "[{Server}] {Line}")]
    private static partial void LogStderr(ILogger logger, string server, string line);
}

/// <summary>A connection, or why there is none.</summary>
internal readonly record struct ConnectResult(UpstreamConnection? Connection, string? Error)
{
    public static ConnectResult Ok(UpstreamConnection connection) => new(connection, null);

    public static ConnectResult Fail(string error) => new(null, error);
}

/// <summary>One line of /readyz.</summary>
internal sealed record UpstreamHealth(string Name, string Kind, bool Healthy, string? LastError, int Connections);
