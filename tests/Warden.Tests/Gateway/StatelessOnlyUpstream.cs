using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// Base for tests against an HTTP test server that speaks only the stateless 2026-07-28 revision (it refuses
/// initialize), started fresh for each test and fronted by Warden as server <c>modern</c>.
/// </summary>
public abstract class StatelessOnlyUpstream : IAsyncLifetime
{
    private TestServerProcess? _upstream;

    public async Task InitializeAsync() =>
        _upstream = await TestServerProcess.StartHttpAsync("--session-mode", "stateless", "--protocol-version", "2026-07-28");

    public async Task DisposeAsync()
    {
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    // No protocolVersion pinned: Warden learns from a refused initialize and server/discover that the upstream speaks only 2026-07-28.
    private protected string Config => $$"""
        servers:
          modern:
            url: {{_upstream!.Url}}
            timeout: 20s
        """;
}
