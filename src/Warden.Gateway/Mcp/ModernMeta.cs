using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>The per-request metadata of the stateless 2026-07-28 revision, carried in <c>params._meta</c>.</summary>
internal static class ModernMeta
{
    public const string ProtocolVersion = "io.modelcontextprotocol/protocolVersion";
    public const string ClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
    public const string ClientInfo = "io.modelcontextprotocol/clientInfo";
    public const string LogLevel = "io.modelcontextprotocol/logLevel";
    public const string ServerInfo = "io.modelcontextprotocol/serverInfo";

    public static JsonObject? Of(JsonNode? parameters) => (parameters as JsonObject)?["_meta"] as JsonObject;

    public static string? VersionOf(JsonNode? parameters) => RequestFields.String(Of(parameters)?[ProtocolVersion]);

    /// <summary>Adds the required metadata a request lacks (Warden's own requests) and returns its protocol version.</summary>
    public static string Complete(JsonRpcMessage message)
    {
        if (message is not JsonRpcRequest request)
        {
            return ProtocolVersions.Stateless;
        }

        var parameters = request.Params as JsonObject ?? [];
        request.Params = parameters;
        if (parameters["_meta"] is not JsonObject meta)
        {
            parameters["_meta"] = meta = [];
        }

        if (RequestFields.String(meta[ProtocolVersion]) is not { } version)
        {
            meta[ProtocolVersion] = version = ProtocolVersions.Stateless;
        }

        if (meta[ClientCapabilities] is null)
        {
            meta[ClientCapabilities] = new JsonObject();
        }

        if (meta[ClientInfo] is null)
        {
            meta[ClientInfo] = JsonSerializer.SerializeToNode(WardenInfo.Implementation, McpJsonSerialization.Options);
        }

        return version;
    }
}

/// <summary>The request headers the 2026-07-28 Streamable HTTP transport mirrors from the body.</summary>
internal static class ModernHeaders
{
    private const string Prefix = "=?base64?";
    private const string Suffix = "?=";

    /// <summary>The body value Mcp-Name mirrors, for the methods that require it.</summary>
    public static string? NameOf(string method, JsonObject? parameters) => method switch
    {
        RequestMethods.ToolsCall or RequestMethods.PromptsGet => RequestFields.String(parameters?["name"]),
        RequestMethods.ResourcesRead => RequestFields.String(parameters?["uri"]),
        _ => null,
    };

    public static bool RequiresName(string method) =>
        method is RequestMethods.ToolsCall or RequestMethods.PromptsGet or RequestMethods.ResourcesRead;

    /// <summary>A header value for <paramref name="value"/>: as is when it is plain visible ASCII, else the Base64 sentinel form.</summary>
    public static string Encode(string value)
    {
        var plain = value.Length > 0 && value[0] is not (' ' or '\t') && value[^1] is not (' ' or '\t')
            && !(value.StartsWith(Prefix, StringComparison.Ordinal) && value.EndsWith(Suffix, StringComparison.Ordinal));
        foreach (var c in value)
        {
            plain &= c is >= (char)0x20 and <= (char)0x7E or '\t';
        }

        return plain ? value : Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) + Suffix;
    }

    /// <summary>Decodes a header value; null when it holds characters a header may not, or bad Base64.</summary>
    public static string? Decode(string header)
    {
        foreach (var c in header)
        {
            if (c is not ((>= (char)0x20 and <= (char)0x7E) or '\t'))
            {
                return null;
            }
        }

        var trimmed = header.Trim(' ', '\t');
        if (trimmed.Length >= Prefix.Length + Suffix.Length && trimmed.StartsWith(Prefix, StringComparison.Ordinal) && trimmed.EndsWith(Suffix, StringComparison.Ordinal))
        {
            var encoded = trimmed[Prefix.Length..^Suffix.Length];
            var bytes = new byte[encoded.Length];
            if (!Convert.TryFromBase64String(encoded, bytes, out var written))
            {
                return null;
            }

            try
            {
                return new UTF8Encoding(false, true).GetString(bytes, 0, written);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        return trimmed;
    }
}
