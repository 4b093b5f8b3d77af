namespace Warden.Core.Audit;

/// <summary>Which model and which agent acted.</summary>
public sealed record AuditModelIdentity
{
    /// <summary>The model name, e.g. <c>claude-sonnet-4-5</c>.</summary>
    public string? Model { get; init; }

    /// <summary>The model version or snapshot, when reported separately.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>The agent or client name, e.g. <c>claude-code</c>.</summary>
    public string? Agent { get; init; }

    /// <summary>The agent or client version.</summary>
    public string? AgentVersion { get; init; }
}
