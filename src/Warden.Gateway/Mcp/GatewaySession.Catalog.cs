using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

// What each upstream lists (tools, prompts) as this session sees it, so the role step can tell a tool that does not
// exist from one the caller may not see, and answer both the same way, and read a tool's annotations (readOnlyHint).
internal sealed partial class GatewaySession
{
    private static readonly TimeSpan CatalogRefreshAfter = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(string Server, string Method), Catalog> _catalogs = new();

    /// <summary>
    /// The item named <paramref name="name"/> in the server's tools/list or prompts/list, or null when the server does
    /// not list it. A name not found refetches the list (at most every few seconds), so newly added tools are seen.
    /// </summary>
    public async Task<CatalogLookup> FindListedAsync(string server, string listMethod, string name, CancellationToken cancellationToken)
    {
        var catalog = _catalogs.GetValueOrDefault((server, listMethod));
        if (catalog is not null && catalog.Items.TryGetValue(name, out var cached))
        {
            return new CatalogLookup(true, cached);
        }

        if (catalog is not null && Time.GetUtcNow() - catalog.FetchedAt < CatalogRefreshAfter)
        {
            return new CatalogLookup(true, null);
        }

        var fetched = await FetchCatalogAsync(server, listMethod, cancellationToken).ConfigureAwait(false);
        if (fetched is null)
        {
            return new CatalogLookup(false, null);
        }

        _catalogs[(server, listMethod)] = fetched;
        return new CatalogLookup(true, fetched.Items.GetValueOrDefault(name));
    }

    /// <summary>Forgets what a server listed (it announced a change).</summary>
    public void ForgetCatalog(string server, string listMethod) => _catalogs.TryRemove((server, listMethod), out _);

    private async Task<Catalog?> FetchCatalogAsync(string server, string listMethod, CancellationToken cancellationToken)
    {
        if ((await GetConnectionAsync(server, cancellationToken).ConfigureAwait(false)).Connection is not { } connection)
        {
            return null;
        }

        var field = listMethod == RequestMethods.ToolsList ? "tools" : "prompts";
        var items = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        string? cursor = null;
        for (var page = 0; page < 1000; page++)
        {
            var parameters = new JsonObject();
            if (cursor is not null)
            {
                parameters["cursor"] = cursor;
            }

            if (connection.Modern)
            {
                StampMeta(parameters);
            }

            var response = await connection.SendRequestAsync(new JsonRpcRequest { Id = new RequestId(0), Method = listMethod, Params = parameters }, null, null, cancellationToken).ConfigureAwait(false);
            if (response is not JsonRpcResponse { Result: JsonObject result })
            {
                return page == 0 ? null : new Catalog(items, Time.GetUtcNow());
            }

            foreach (var item in (result[field] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (RequestFields.String(item["name"]) is { } name)
                {
                    items[name] = (JsonObject)item.DeepClone();
                }
            }

            if ((cursor = RequestFields.String(result["nextCursor"])) is null)
            {
                break;
            }
        }

        return new Catalog(items, Time.GetUtcNow());
    }

    private sealed record Catalog(IReadOnlyDictionary<string, JsonObject> Items, DateTimeOffset FetchedAt);
}

/// <summary>The outcome of looking a name up in a server's list: whether the list could be read, and the item if listed.</summary>
internal readonly record struct CatalogLookup(bool Known, JsonObject? Item);
