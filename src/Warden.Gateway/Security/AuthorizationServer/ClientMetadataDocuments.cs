using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// OAuth client ID metadata documents (MCP 2025-11-25, draft-ietf-oauth-client-id-metadata-document): a client whose
/// <c>client_id</c> is an https URL publishes its metadata there. Warden fetches it (5 s, 64 KB, no redirects, and
/// never from a loopback, private or link-local address unless <c>auth.server.allowPrivateNetworkMetadata</c>),
/// checks that it names itself and describes a public client with acceptable redirect URIs, and registers the client
/// under that URL; the copy is refreshed after an hour.
/// </summary>
public sealed partial class ClientMetadataDocuments(IHttpClientFactory clients, WardenState state, AuthAuditor auditor, TimeProvider time, ILogger<ClientMetadataDocuments> logger)
{
    public const string HttpClientName = "warden-client-metadata";
    private const int MaxBytes = 64 * 1024;
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(1);

    /// <summary>True when a client id is a metadata document's URL (https with a path, RFC requirement).</summary>
    public static bool IsMetadataUrl(string clientId) =>
        Uri.TryCreate(clientId, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.AbsolutePath.Length > 1 && uri.Fragment.Length == 0;

    /// <summary>The HTTP handler documents are fetched with: no redirects, no cookies, and the SSRF guard on every connection.</summary>
    public static HttpMessageHandler CreateHandler(WardenState state) => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = FetchTimeout,
        ConnectCallback = async (context, cancellationToken) =>
        {
            // Resolve here and check the address actually connected to, so DNS rebinding cannot slip past a check made earlier.
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
            var allowPrivate = state.Config.Auth.Server?.AllowPrivateNetworkMetadata == true;
            var address = addresses.FirstOrDefault(a => allowPrivate || !IsPrivate(a))
                ?? throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to a loopback, private or link-local address only; Warden does not fetch client metadata from its own network (auth.server.allowPrivateNetworkMetadata).");
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>Registers or refreshes the client <paramref name="clientId"/> names; returns why it cannot be used, or null.</summary>
    public async Task<string?> EnsureRegisteredAsync(string clientId, HttpContext http, CancellationToken cancellationToken)
    {
        var server = state.Config.Auth.Server!;
        if (!server.ClientMetadataDocuments)
        {
            return "Client ID metadata documents are turned off on this Warden (auth.server.clientMetadataDocuments: false); register the client instead.";
        }

        var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        var now = time.GetUtcNow();
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } existing)
        {
            var properties = await applications.GetPropertiesAsync(existing, cancellationToken);
            if (properties.TryGetValue(ClientRegistrar.FetchedProperty, out var fetched) && fetched.ValueKind == JsonValueKind.Number
                && now - DateTimeOffset.FromUnixTimeSeconds(fetched.GetInt64()) < RefreshAfter)
            {
                return null;
            }
        }

        var (document, failure) = await FetchAsync(clientId, cancellationToken);
        ClientMetadata? metadata = null;
        if (document is not null)
        {
            if (document["client_id"] is not JsonValue id || !id.TryGetValue<string>(out var named) || named != clientId)
            {
                failure = $"The client metadata document at {clientId} must contain \"client_id\": \"{clientId}\" (it names itself).";
            }
            else if (document.ContainsKey("client_secret") || document.ContainsKey("client_secret_expires_at"))
            {
                failure = $"The client metadata document at {clientId} must not contain a client secret (it is public).";
            }
            else
            {
                var (validated, error, description) = ClientMetadataValidator.Validate(document, server, publicOnly: true);
                metadata = validated;
                failure = validated is null ? $"The client metadata document at {clientId} is not acceptable ({error}): {description}" : null;
            }
        }

        var anonymous = new AuditUserIdentity { Subject = "anonymous", AuthMethod = AuthMethods.OAuth };
        if (metadata is null)
        {
            LogRefused(clientId, failure!);
            await auditor.RecordAsync(AuthEvents.ClientRegistered, anonymous, false, failure!, new JsonObject { ["client_id"] = clientId, ["source"] = "metadata_document" }, http, cancellationToken: cancellationToken);
            return failure;
        }

        await ClientRegistrar.UpsertDocumentClientAsync(applications, clientId, metadata, now, cancellationToken);
        await auditor.RecordAsync(AuthEvents.ClientRegistered, anonymous, true, "client metadata document fetched", new JsonObject
        {
            ["client_id"] = clientId,
            ["client_name"] = metadata.ClientName,
            ["redirect_uris"] = new JsonArray([.. metadata.RedirectUris.Select(u => JsonValue.Create(u))]),
            ["source"] = "metadata_document",
        }, http, cancellationToken: cancellationToken);
        return null;
    }

    private async Task<(JsonObject? Document, string? Failure)> FetchAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        try
        {
            var client = clients.CreateClient(HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (null, $"The client metadata document at {url} answered {(int)response.StatusCode}, not 200 (redirects are not followed).");
            }

            if (response.Content.Headers.ContentLength > MaxBytes)
            {
                return (null, $"The client metadata document at {url} is larger than {MaxBytes} bytes.");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MaxBytes + 1];
            var read = 0;
            while (read < buffer.Length && await body.ReadAsync(buffer.AsMemory(read), timeout.Token) is var n and > 0)
            {
                read += n;
            }

            if (read > MaxBytes)
            {
                return (null, $"The client metadata document at {url} is larger than {MaxBytes} bytes.");
            }

            return JsonNode.Parse(buffer.AsSpan(0, read)) is JsonObject document
                ? (document, null)
                : (null, $"The client metadata document at {url} is not a JSON object.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"The client metadata document at {url} did not arrive within {FetchTimeout.TotalSeconds} seconds.");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or IOException)
        {
            return (null, $"The client metadata document at {url} could not be fetched: {ex.Message}");
        }
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local, CGNAT and unspecified addresses.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Client metadata document {ClientId} refused: {Reason}")]
    private partial void LogRefused(string clientId, string reason);
}
