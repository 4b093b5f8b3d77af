using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// Stands in for an OpenTelemetry collector on 127.0.0.1:0: accepts OTLP exports over http/protobuf (POST /v1/…)
/// or gRPC (HTTP/2 without TLS) and keeps each request's path, headers and body. It does not decode protobuf;
/// tests look for the strings an export must carry (span and metric names are plain UTF-8 in it).
/// </summary>
internal sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<Export> Exports { get; } = new();

    public static async Task<OtlpCollector> StartAsync(bool grpc = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1));
        var app = builder.Build();
        OtlpCollector? collector = null;
        app.Run(async http =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            collector!.Exports.Enqueue(new Export(http.Request.Path, http.Request.ContentType ?? "", http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            if (grpc)
            {
                // An empty ExportServiceResponse: one uncompressed, zero-length gRPC message, then status OK.
                http.Response.ContentType = "application/grpc";
                await http.Response.Body.WriteAsync(new byte[5]);
                http.Response.AppendTrailer("grpc-status", "0");
            }
            else
            {
                http.Response.ContentType = "application/x-protobuf";
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        collector = new OtlpCollector(app, address.TrimEnd('/'));
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One export request as the collector received it.</summary>
    public sealed record Export(string Path, string ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public bool Contains(string text) => Body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
    }
}
