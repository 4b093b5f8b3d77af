using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.DemoServer.FileSystem;

namespace Warden.DemoServer.Resources;

/// <summary>A readme describing the demo, and the demo root's files as resources.</summary>
[McpServerResourceType]
public sealed class DemoResources
{
    private const int MaxResourceBytes = 1024 * 1024;

    [McpServerResource(UriTemplate = "demo://readme", Name = "readme", Title = "About the Warden demo server", MimeType = "text/markdown")]
    [Description("What this demo server is and what each of its tools, resources and prompts does.")]
    public static string Readme(DemoRoot root) =>
        $"""
        # Warden demo server

        A small MCP server that ships with Warden so there is something real behind the gateway on a fresh install.
        File access is read-only and confined to `{root.FullPath}` (set with `--root DIR` or `WARDEN_DEMO_ROOT`).

        ## Tools
        - `echo` - returns its message; checks the path through Warden.
        - `get_time` - current time as ISO 8601, optionally in an IANA time zone.
        - `list_directory`, `read_text_file` - browse and read text files under the root.
        - `search_text` - regex search over text files under the root (bounded output).
        - `hash_text` - sha256/sha1/md5 hex digest of a text.
        - `long_running_task` - reports progress and can be cancelled.
        - `ask_model` - asks the client's own model via MCP sampling.

        ## Resources
        - `demo://readme` - this document.
        - `demo://files/{"{+path}"}` - any file under the root, e.g. `demo://files/README.md`.

        ## Prompts
        - `code_review` - asks for a careful review of a piece of code.
        """;

    [McpServerResource(UriTemplate = "demo://files/{+path}", Name = "file", Title = "File under the demo root")]
    [Description("A file under the demo root, by path relative to the root. Text files come back as text, others as base64.")]
    public static async Task<ResourceContents> FileAsync(DemoRoot root, string path, CancellationToken cancellationToken)
    {
        var relative = Uri.UnescapeDataString(path);
        if (!root.TryResolve(relative, out var full, out var error))
        {
            throw new McpException(error);
        }

        if (!File.Exists(full))
        {
            throw new McpProtocolException($"No file '{relative}' under the demo root; list_directory shows what exists.", McpErrorCode.ResourceNotFound);
        }

        var uri = $"demo://files/{root.Relative(full)}";
        var text = await TextFiles.ReadPrefixAsync(full, MaxResourceBytes, cancellationToken);
        if (!text.IsBinary)
        {
            return new TextResourceContents { Uri = uri, MimeType = MimeTypes.Guess(full, isText: true), Text = text.Text };
        }

        var bytes = await File.ReadAllBytesAsync(full, cancellationToken);
        return bytes.Length > MaxResourceBytes
            ? throw new McpException($"'{relative}' is larger than {MaxResourceBytes} bytes; the demo server does not serve files that big.")
            : BlobResourceContents.FromBytes(bytes, uri, MimeTypes.Guess(full, isText: false));
    }
}
