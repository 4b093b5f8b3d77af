namespace Warden.Core.Audit;

/// <summary>Which door an audited action came through (encoded as its lowercase name).</summary>
public enum AuditSource
{
    /// <summary>An MCP request through /mcp.</summary>
    Mcp,

    /// <summary>An agent's built-in tool call reported by its hook.</summary>
    Hook,

    /// <summary>Model traffic through the LLM proxy.</summary>
    Llm,

    /// <summary>An administrative or configuration change.</summary>
    Admin,

    /// <summary>A sign-in, sign-out or authentication failure.</summary>
    Auth,
}
