namespace Warden.Core.Audit.Redaction;

/// <summary>
/// Values that stand in for a secret without being one (<c>changeme</c>, <c>${DB_PASSWORD}</c>, <c>your-api-key-here</c>,
/// <c>****</c>, AWS's documented EXAMPLE keys, an earlier marker): templates and <c>.env.example</c> files are full
/// of them, and masking them would only hide what a configuration looked like.
/// </summary>
internal static class Placeholders
{
    private static readonly HashSet<string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "changeme", "change_me", "change-me", "changeit", "password", "passwd", "secret", "token", "example", "sample",
        "dummy", "null", "nil", "none", "undefined", "true", "false", "todo", "tbd", "placeholder", "redacted", "hidden",
        "masked", "empty", "string", "value", "pass", "xxx",
    };

    public static bool IsPlaceholder(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (value.IsEmpty)
        {
            return true;
        }

        // Environment and template references: $NAME, ${NAME}, $(cmd), %NAME%, {{ var }}, <your key>.
        if (value[0] is '$' or '%' or '<' || value.StartsWith("{{", StringComparison.Ordinal) || value.StartsWith(SecretRedactor.MarkerPrefix, StringComparison.Ordinal))
        {
            return true;
        }

        // One character repeated, alone or as a run inside (****, xxxxxxxx, services/T000000/XXXXXXXX): a random
        // secret has a run of six equal characters about once in ten million.
        if ((value.Length > 1 && !value.ContainsAnyExcept(value[0])) || HasRun(value, 6))
        {
            return true;
        }

        return Words.GetAlternateLookup<ReadOnlySpan<char>>().Contains(value)
            || value.StartsWith("your", StringComparison.OrdinalIgnoreCase)
            || value.Contains("example", StringComparison.OrdinalIgnoreCase)
            || value.Contains("placeholder", StringComparison.OrdinalIgnoreCase)
            || (value.Length > 5 && value.EndsWith("here", StringComparison.OrdinalIgnoreCase) && value[^5] is '_' or '-' or ' ' or '.');
    }

    private static bool HasRun(ReadOnlySpan<char> value, int length)
    {
        var run = 1;
        for (var i = 1; i < value.Length; i++)
        {
            run = value[i] == value[i - 1] ? run + 1 : 1;
            if (run >= length)
            {
                return true;
            }
        }

        return false;
    }
}
