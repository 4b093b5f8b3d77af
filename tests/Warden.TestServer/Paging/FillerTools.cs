using ModelContextProtocol.Server;

namespace Warden.TestServer.Paging;

/// <summary>No-op tools that exist only to make tools/list long enough to page and to stress listing.</summary>
internal static class FillerTools
{
    public static IEnumerable<McpServerTool> Create(int count) =>
        Enumerable.Range(1, count).Select(i =>
        {
            var name = $"filler_{i:D4}";
            return McpServerTool.Create(
                () => name,
                new McpServerToolCreateOptions { Name = name, Description = $"Filler tool {i} of {count}; returns its own name.", ReadOnly = true, Idempotent = true });
        });
}
