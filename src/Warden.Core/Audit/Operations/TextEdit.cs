namespace Warden.Core.Audit.Operations;

/// <summary>One text replacement of an edit tool: the first occurrence of <paramref name="OldText"/> (every one with <paramref name="ReplaceAll"/>) becomes <paramref name="NewText"/>.</summary>
public readonly record struct TextEdit(string OldText, string NewText, bool ReplaceAll = false);
