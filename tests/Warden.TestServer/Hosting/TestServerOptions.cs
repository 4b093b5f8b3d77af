using ModelContextProtocol.AspNetCore;

namespace Warden.TestServer.Hosting;

/// <summary>Command-line options of <c>warden-test-server</c>.</summary>
public sealed record TestServerOptions
{
    public const string Usage =
        """
        usage: warden-test-server (--http [--sse] [--session-mode MODE] [--urls URL] | --stdio) [--tool-page-size N] [--filler-tools N] [--cache-ttl-ms N]
          --http              Streamable HTTP at /mcp; prints "LISTENING <base-url>" once bound (default --urls http://127.0.0.1:0)
          --sse               also expose the legacy HTTP+SSE transport at /mcp/sse and /mcp/message (needs --http)
          --session-mode MODE hybrid (default): sessions for initialize clients, stateless for 2026-07-28 ones;
                              stateful: sessions only (2026-07-28 refused); stateless: no sessions at all
          --stdio             newline-delimited JSON-RPC on stdin/stdout; logs go to stderr
          --tool-page-size N  page tools/list results N tools at a time (opaque cursor)
          --filler-tools N    register N extra no-op tools (filler_0001...) so paging has something to page
          --cache-ttl-ms N    ttlMs stamped on list/read results (SEP-2549 caching hints; default 0 = always stale)
          --protocol-version V speak only revision V (e.g. 2026-07-28 with --session-mode stateless: a server that
                              refuses initialize, for testing Warden's bridge from 2025 clients)
        Any other argument (e.g. --AllowedHosts=*) is passed to ASP.NET Core configuration in HTTP mode.
        """;

    public TestServerTransport Transport { get; init; } = TestServerTransport.Http;

    public bool EnableLegacySse { get; init; }

    /// <summary>HTTP session handling; see <see cref="Usage"/>.</summary>
    public HttpServerSessionMode SessionMode { get; init; } = HttpServerSessionMode.StatefulForInitializeClients;

    /// <summary>Page size for tools/list, or null to return every tool in one page.</summary>
    public int? ToolPageSize { get; init; }

    public int FillerToolCount { get; init; }

    public int CacheTtlMs { get; init; }

    /// <summary>The only protocol revision the server speaks, or null for every revision the SDK knows.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>Arguments this parser does not own, handed to the ASP.NET Core host.</summary>
    public IReadOnlyList<string> HostArgs { get; init; } = [];

    /// <summary>Parses <paramref name="args"/>; returns null and an error message on bad input.</summary>
    public static TestServerOptions? Parse(IReadOnlyList<string> args, out string error)
    {
        var options = new TestServerOptions();
        var hostArgs = new List<string>();
        bool sawHttp = false, sawStdio = false;
        error = "";

        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--http":
                    sawHttp = true;
                    break;
                case "--stdio":
                    sawStdio = true;
                    break;
                case "--sse":
                    options = options with { EnableLegacySse = true };
                    break;
                case "--session-mode":
                    HttpServerSessionMode? mode = i + 1 < args.Count ? args[++i] switch
                    {
                        "hybrid" => HttpServerSessionMode.StatefulForInitializeClients,
                        "stateful" => HttpServerSessionMode.Stateful,
                        "stateless" => HttpServerSessionMode.Stateless,
                        _ => null,
                    } : null;
                    if (mode is null)
                    {
                        error = "--session-mode needs one of: hybrid, stateful, stateless";
                        return null;
                    }

                    options = options with { SessionMode = mode.Value };
                    break;
                case "--tool-page-size":
                    if (!TryReadPositive(args, ref i, out var pageSize, out error))
                    {
                        return null;
                    }

                    options = options with { ToolPageSize = pageSize };
                    break;
                case "--filler-tools":
                    if (!TryReadPositive(args, ref i, out var filler, out error))
                    {
                        return null;
                    }

                    options = options with { FillerToolCount = filler };
                    break;
                case "--cache-ttl-ms":
                    if (!TryReadPositive(args, ref i, out var ttl, out error))
                    {
                        return null;
                    }

                    options = options with { CacheTtlMs = ttl };
                    break;
                case "--protocol-version":
                    if (i + 1 >= args.Count)
                    {
                        error = "--protocol-version needs a revision, e.g. --protocol-version 2026-07-28";
                        return null;
                    }

                    options = options with { ProtocolVersion = args[++i] };
                    break;
                case "-h" or "--help":
                    error = "";
                    return null;
                default:
                    hostArgs.Add(args[i]);
                    break;
            }
        }

        if (sawHttp && sawStdio)
        {
            error = "choose one transport: --http or --stdio, not both";
            return null;
        }

        if (sawStdio && options.EnableLegacySse)
        {
            error = "--sse is an HTTP transport; use it with --http";
            return null;
        }

        if (options.EnableLegacySse && options.SessionMode == HttpServerSessionMode.Stateless)
        {
            error = "--sse needs sessions; use --session-mode hybrid or stateful";
            return null;
        }

        return options with
        {
            Transport = sawStdio ? TestServerTransport.Stdio : TestServerTransport.Http,
            HostArgs = hostArgs,
        };
    }

    private static bool TryReadPositive(IReadOnlyList<string> args, ref int i, out int value, out string error)
    {
        var name = args[i];
        if (i + 1 >= args.Count || !int.TryParse(args[i + 1], out value) || value <= 0)
        {
            value = 0;
            error = $"{name} needs a positive integer, e.g. {name} 5";
            return false;
        }

        i++;
        error = "";
        return true;
    }
}
