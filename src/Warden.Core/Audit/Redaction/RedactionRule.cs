namespace Warden.Core.Audit.Redaction;

/// <summary>
/// One built-in rule: its name (what a marker and a record's <c>redactions</c> say) and a pattern in which
/// <c>(?&lt;s&gt;…)</c>, when present, is the part to mask (the rest is context such as <c>password=</c>).
/// </summary>
internal sealed record RedactionRule(string Name, string Pattern)
{
    /// <summary>Placeholders (<c>changeme</c>, <c>${TOKEN}</c>, AWS's documented EXAMPLE keys) are left alone unless this is false.</summary>
    public bool SkipsPlaceholders { get; init; } = true;
}
