using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Hosting;

/// <summary>
/// Stamps SEP-2549 caching hints (ttlMs, cacheScope) on every cacheable result. The content is the same
/// for every caller, hence public; the TTL defaults to 0 because the lists change at run time
/// (notify_tools_changed) and a test must never see a stale one unless it asked for a TTL.
/// </summary>
internal static class CachingHints
{
    public static void Add(IMcpRequestFilterBuilder filters, TimeSpan ttl)
    {
        filters.AddListToolsFilter(next => async (request, cancellationToken) => Stamp(await next(request, cancellationToken), ttl));
        filters.AddListPromptsFilter(next => async (request, cancellationToken) => Stamp(await next(request, cancellationToken), ttl));
        filters.AddListResourcesFilter(next => async (request, cancellationToken) => Stamp(await next(request, cancellationToken), ttl));
        filters.AddListResourceTemplatesFilter(next => async (request, cancellationToken) => Stamp(await next(request, cancellationToken), ttl));
        filters.AddReadResourceFilter(next => async (request, cancellationToken) => Stamp(await next(request, cancellationToken), ttl));
    }

    private static T Stamp<T>(T result, TimeSpan ttl)
        where T : ICacheableResult
    {
        result.TimeToLive = ttl;
        result.CacheScope = CacheScope.Public;
        return result;
    }
}
