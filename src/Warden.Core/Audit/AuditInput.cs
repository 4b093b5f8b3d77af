using System.Text.Json.Nodes;

namespace Warden.Core.Audit;

/// <summary>What was asked: the protocol method, the tool/resource/prompt name, its arguments and the prompt behind it.</summary>
public sealed record AuditInput
{
    /// <summary>The method, e.g. <c>tools/call</c>, <c>resources/read</c>, <c>Bash</c> for a hook, <c>messages</c> for the LLM proxy.</summary>
    public required string Method { get; init; }

    /// <summary>The tool, resource URI or prompt name, when the method has one.</summary>
    public string? Name { get; init; }

    /// <summary>The upstream server the action went to (null when Warden answered it itself, or for built-in agent tools).</summary>
    public string? Server { get; init; }

    /// <summary>The arguments, secrets already redacted.</summary>
    public JsonNode? Arguments { get; init; }

    /// <summary>The user prompt that led to the action, when the agent reports it.</summary>
    public string? Prompt { get; init; }

    /// <summary>The caller's stated reason for the call, when their role requires one (taken out of the arguments Warden forwarded).</summary>
    public string? Justification { get; init; }
}
