using System.Text.Json.Nodes;

namespace Warden.Core.Pipeline;

/// <summary>One client request as the pipeline sees it after resolution.</summary>
public sealed record McpAction
{
    public required string Source { get; init; }
    public required Caller Caller { get; init; }
    public required string Method { get; init; }

    /// <summary>The upstream server the action goes to, or null when Warden answers it itself.</summary>
    public string? Server { get; init; }

    /// <summary>The tool, prompt or resource named by the request, in the upstream's own naming.</summary>
    public string? Name { get; init; }

    public JsonNode? Arguments { get; init; }

    /// <summary>Why the caller says they need this call, when their role requires a justification (not forwarded upstream).</summary>
    public string? Justification { get; init; }
    public string? SessionId { get; init; }
    public string? RequestId { get; init; }
    public string? ClientName { get; init; }
    public string? ClientVersion { get; init; }
}
