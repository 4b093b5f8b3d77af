using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.TestServer.Conformance;
using Warden.TestServer.Faults;
using Warden.TestServer.Paging;
using Warden.TestServer.RoundTrips;
using Warden.TestServer.Secrets;

namespace Warden.TestServer.Hosting;

/// <summary>Registers every tool, prompt, resource and handler of the test server, whatever the transport.</summary>
public static class TestServerMcp
{
    private static readonly string[] CompletionCandidates = ["alpha", "beta", "gamma", "delta", "hello", "world"];

    public static IMcpServerBuilder AddTestServerPrimitives(this IMcpServerBuilder builder, TestServerOptions options)
    {
        builder.Services.AddSingleton<CancellationLog>();
        if (options.ProtocolVersion is { } version)
        {
            builder.Services.Configure<McpServerOptions>(o => o.ProtocolVersion = version);
        }

        builder.Services.AddSingleton<ListenStreams>();
        builder.Services.AddSingleton<ResourceSubscriptions>();
        if (options.Transport == TestServerTransport.Http && options.SessionMode == HttpServerSessionMode.Stateless)
        {
            // Without sessions the SDK's own subscriptions/listen grants nothing; ListenStreams delivers instead.
            builder.WithSubscriptionsListenHandler((request, cancellationToken) =>
                request.Services!.GetRequiredService<ListenStreams>().ListenAsync(request, cancellationToken));
        }

        builder
            .WithTools<ContentTools>()
            .WithTools<NotificationTools>()
            .WithTools<ClientRequestTools>()
            .WithTools<InputRequiredTools>()
            .WithTools<StatelessDiagnosticTools>()
            .WithTools([JsonSchemaTool.Create(), .. FillerTools.Create(options.FillerToolCount)])
            .WithTools<FaultTools>()
            .WithTools<RoundTripTools>()
            .WithTools<LateInputTools>()
            .WithTools<TraceContextTools>()
            .WithTools<ArgumentTools>()
            .WithTools<HeaderTools>()
            .WithTools<CredentialTools>()
            .WithTools<ChangeTools>()
            .WithTools<SecretTools>()
            .WithPrompts<ConformancePrompts>()
            .WithPrompts<InputRequiredPrompts>()
            .WithResources<ConformanceResources>()
            .WithCompleteHandler((context, _) => ValueTask.FromResult(Complete(context.Params)))
            .WithSubscribeToResourcesHandler((context, _) =>
            {
                context.Services!.GetRequiredService<ResourceSubscriptions>().Subscribe(context.Server, context.Params!.Uri);
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithUnsubscribeFromResourcesHandler((context, _) =>
            {
                context.Services!.GetRequiredService<ResourceSubscriptions>().Unsubscribe(context.Server, context.Params!.Uri);
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithRequestFilters(filters =>
            {
                CachingHints.Add(filters, TimeSpan.FromMilliseconds(options.CacheTtlMs));
                if (options.ToolPageSize is { } pageSize)
                {
                    filters.AddListToolsFilter(next => ToolPager.Create(next, pageSize));
                }

                // test_reconnection closes the SSE stream after answering so the client must resume
                // with Last-Event-ID (server-sse-polling scenario).
                filters.AddCallToolFilter(next => async (request, cancellationToken) =>
                {
                    var result = await next(request, cancellationToken);
                    if (request.Params?.Name == "test_reconnection")
                    {
                        await request.EnablePollingAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
                    }

                    return result;
                });
            });
        return builder;
    }

    private static CompleteResult Complete(CompleteRequestParams? request)
    {
        var prefix = request?.Argument.Value ?? "";
        string[] values = [.. CompletionCandidates.Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))];
        return new CompleteResult { Completion = new Completion { Values = values, Total = values.Length, HasMore = false } };
    }
}
