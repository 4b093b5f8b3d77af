using System.Diagnostics;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// Puts the current upstream client span into the traceparent/tracestate headers of requests to HTTP upstreams.
/// HttpClient would otherwise name its own, never-exported request activity there, leaving the upstream's HTTP
/// span with a parent no backend has; HttpClient keeps headers that are already set.
/// </summary>
internal sealed class TraceContextHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Activity.Current is { } span && ReferenceEquals(span.Source, WardenDiagnostics.Source) && span.Kind == ActivityKind.Client
            && !request.Headers.Contains("traceparent"))
        {
            request.Headers.TryAddWithoutValidation("traceparent", span.Id);
            if (span.TraceStateString is { Length: > 0 } state)
            {
                request.Headers.TryAddWithoutValidation("tracestate", state);
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
