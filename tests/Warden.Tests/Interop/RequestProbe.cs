using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Warden.Tests.Interop;

/// <summary>
/// Tells a test when ASP.NET Core finished handling one marked request (the request carries
/// <see cref="Header"/> = <see cref="Marker"/>), from the hosting DiagnosticListener's HttpRequestIn.Stop
/// event, which fires once the endpoint's handler has returned. Other hosts in the process are ignored.
/// </summary>
internal sealed class RequestProbe : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    public const string Header = "X-Warden-Test-Probe";
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _listeners;

    public RequestProbe() => _listeners = DiagnosticListener.AllListeners.Subscribe(this);

    public string Marker { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Completes when the marked request's handler has returned.</summary>
    public Task Ended => _ended.Task;

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "Microsoft.AspNetCore")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this, name => name.StartsWith("Microsoft.AspNetCore.Hosting.HttpRequestIn", StringComparison.Ordinal)));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == "Microsoft.AspNetCore.Hosting.HttpRequestIn.Stop" && value.Value is HttpContext http && http.Request.Headers[Header] == Marker)
        {
            _ended.TrySetResult();
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _listeners.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
