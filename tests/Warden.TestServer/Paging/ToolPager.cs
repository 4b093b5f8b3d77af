using System.Globalization;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Paging;

/// <summary>
/// Pages tools/list. The SDK returns every tool in one page and offers no page-size option, so this
/// list filter asks for the full list and slices it; the cursor is an opaque base64 offset.
/// </summary>
internal static class ToolPager
{
    public static McpRequestHandler<ListToolsRequestParams, ListToolsResult> Create(
        McpRequestHandler<ListToolsRequestParams, ListToolsResult> next, int pageSize) =>
        async (request, cancellationToken) =>
        {
            var offset = 0;
            if (request.Params?.Cursor is { } cursor)
            {
                offset = Decode(cursor);

                // The SDK adds its registered tools only when the cursor is null (McpServerImpl.ConfigureTools).
                request.Params.Cursor = null;
            }

            var all = await next(request, cancellationToken);
            var tools = all.Tools;
            var page = tools.Skip(offset).Take(pageSize).ToList();
            var nextOffset = offset + page.Count;
            all.Tools = page;
            all.NextCursor = nextOffset < tools.Count ? Encode(nextOffset) : null;
            return all;
        };

    private static int Decode(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (text.StartsWith("offset:", StringComparison.Ordinal) &&
                int.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return offset;
            }
        }
        catch (FormatException)
        {
        }

        throw new McpProtocolException($"Invalid tools/list cursor '{cursor}'; pass back a nextCursor this server returned.", McpErrorCode.InvalidParams);
    }

    private static string Encode(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"offset:{offset}"));
}
