namespace Warden.Core.Configuration;

/// <summary>What Warden does with a call whose audit record cannot be written (<c>audit.onFailure</c>).</summary>
public enum AuditFailureMode
{
    /// <summary>Refuse the call (JSON-RPC -32012) until the log can be written again.</summary>
    Closed,

    /// <summary>Serve the call and keep its record in a local spool file, replayed into the log once it can be written.</summary>
    Open,
}
