using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Warden.Core.Configuration;

namespace Warden.Gateway.Security.Authentication.Oidc;

/// <summary>
/// The IdP's discovery document and signing keys, fetched through a <see cref="ConfigurationManager{T}"/>: cached,
/// fetched again every <c>metadataRefreshInterval</c>, and on demand when a token names a key Warden has not seen,
/// at most once per <c>keyRefreshInterval</c> (so a flood of tokens with made-up key ids cannot hammer the IdP). When
/// the IdP cannot be reached the last document fetched stays in force: tokens signed with known keys keep working.
/// </summary>
public sealed partial class OidcKeySource : IDisposable
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _manager;
    private readonly HttpDocumentRetriever _documents;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _forcedInterval;
    private readonly string _issuer;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private DateTimeOffset _lastForced = DateTimeOffset.MinValue;
    private int _issuerWarned;

    // A document fetched because a token named an unknown key, in force until the manager's own document changes
    // (its next scheduled fetch): the manager may only honour a refresh request later, in the background.
    private Forced? _forced;

    public OidcKeySource(OidcConfig config, TimeProvider time, ILogger<OidcKeySource> logger)
    {
        _issuer = config.Issuer;
        _time = time;
        _logger = logger;
        _forcedInterval = config.KeyRefreshInterval;
        Address = config.DiscoveryUrl ?? config.Issuer.TrimEnd('/') + "/.well-known/openid-configuration";
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var documents = new HttpDocumentRetriever(_http) { RequireHttps = Address.StartsWith("https:", StringComparison.OrdinalIgnoreCase) };
        _documents = documents;
        _manager = new ConfigurationManager<OpenIdConnectConfiguration>(Address, new OpenIdConnectConfigurationRetriever(), documents)
        {
            AutomaticRefreshInterval = config.MetadataRefreshInterval,
            RefreshInterval = config.KeyRefreshInterval,
        };
    }

    /// <summary>The discovery document's URL.</summary>
    public string Address { get; }

    /// <summary>The configuration in force (the last one fetched); throws <see cref="InvalidOperationException"/> when none was ever fetched.</summary>
    public async Task<OpenIdConnectConfiguration> CurrentAsync(CancellationToken cancellationToken)
    {
        var managed = await _manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        var configuration = managed;
        if (Volatile.Read(ref _forced) is { } forced)
        {
            if (ReferenceEquals(forced.ManagedThen, managed))
            {
                configuration = forced.Fresh;
            }
            else
            {
                Interlocked.CompareExchange(ref _forced, null, forced);
            }
        }

        if (configuration.Issuer is { Length: > 0 } published && published != _issuer && Interlocked.Exchange(ref _issuerWarned, 1) == 0)
        {
            LogIssuerMismatch(Address, published, _issuer);
        }

        return configuration;
    }

    /// <summary>
    /// Fetches the keys again because a token named an unknown one; null when a forced fetch happened less than
    /// <c>keyRefreshInterval</c> ago (the caller then refuses the token with the keys it has).
    /// </summary>
    public async Task<OpenIdConnectConfiguration?> RefreshAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (now - _lastForced < _forcedInterval)
            {
                return null;
            }

            _lastForced = now;
        }

        LogForcedRefresh(Address);
        var managed = await _manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Fetched here and now, so the token that asked is judged against the IdP's current keys.
            var fresh = await OpenIdConnectConfigurationRetriever.GetAsync(Address, _documents, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _forced, new Forced(fresh, managed));
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The IdP is unreachable: the keys in force stay in force.
        }

        _manager.RequestRefresh();
        return await CurrentAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private sealed record Forced(OpenIdConnectConfiguration Fresh, OpenIdConnectConfiguration ManagedThen);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "The IdP's discovery document at {Address} names issuer {Published}, but the configured issuer is {Configured}; tokens are checked against the configured one")]
    private partial void LogIssuerMismatch(string address, string published, string configured);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "A token names a signing key Warden has not seen; fetching the IdP's keys again from {Address}")]
    private partial void LogForcedRefresh(string address);
}
