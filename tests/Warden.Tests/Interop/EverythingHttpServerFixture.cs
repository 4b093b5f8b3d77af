namespace Warden.Tests.Interop;

/// <summary>One server-everything HTTP process for a test class; every session on it gets a fresh server.</summary>
public sealed class EverythingHttpServerFixture : IAsyncLifetime
{
    private EverythingHttpServer? _server;

    internal EverythingHttpServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await EverythingHttpServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
