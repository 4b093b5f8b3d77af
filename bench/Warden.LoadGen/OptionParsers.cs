using System.Globalization;
using System.Text.Json;

namespace Warden.LoadGen;

/// <summary>Parsers for the option syntaxes; each reports a problem as a message that says how to fix it.</summary>
internal static class OptionParsers
{
    /// <summary>Parses <c>name=url</c>; the name labels the row in the report.</summary>
    public static BenchTarget? Target(string text, List<string> errors)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            errors.Add($"--target '{text}' must be NAME=URL, e.g. --target direct=http://127.0.0.1:5001/mcp");
            return null;
        }

        var name = text[..eq].Trim();
        if (!Uri.TryCreate(text[(eq + 1)..].Trim(), UriKind.Absolute, out var uri))
        {
            errors.Add($"--target {name}: '{text[(eq + 1)..]}' is not an absolute URL");
            return null;
        }

        if (LoopbackGuard.Check(uri) is { } problem)
        {
            errors.Add($"--target {name}: {problem}");
            return null;
        }

        return new BenchTarget(name, uri);
    }

    /// <summary>Parses <c>1,16</c> into positive integers.</summary>
    public static IReadOnlyList<int> Concurrency(string text, List<string> errors)
    {
        var levels = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var level) && level is > 0 and <= 4096)
            {
                levels.Add(level);
            }
            else
            {
                errors.Add($"--concurrency: '{part}' must be an integer between 1 and 4096");
            }
        }

        if (levels.Count == 0)
        {
            errors.Add("--concurrency needs at least one level, e.g. --concurrency 1,16");
        }

        return levels;
    }

    /// <summary>Parses <c>10s</c>, <c>500ms</c>, <c>2m</c> or a bare number of seconds.</summary>
    public static TimeSpan Duration(string option, string text, List<string> errors)
    {
        var trimmed = text.Trim();
        var (number, scale) = trimmed switch
        {
            _ when trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (trimmed[..^2], 0.001),
            _ when trimmed.EndsWith('s') => (trimmed[..^1], 1.0),
            _ when trimmed.EndsWith('m') => (trimmed[..^1], 60.0),
            _ => (trimmed, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value * scale <= 3600)
        {
            return TimeSpan.FromSeconds(value * scale);
        }

        errors.Add($"{option}: '{text}' must be a duration such as 10s, 500ms or 1m (at most 1 hour)");
        return TimeSpan.Zero;
    }

    /// <summary>Parses <c>small=80,large=20</c> into weights keyed by call name.</summary>
    public static IReadOnlyDictionary<string, int> Mix(string text, IReadOnlyCollection<string> known, List<string> errors)
    {
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            if (!known.Contains(name))
            {
                errors.Add($"--mix: unknown call '{name}'; use {string.Join(" or ", known)}, e.g. --mix small=80,large=20");
                continue;
            }

            if (eq < 0 || !int.TryParse(part[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
            {
                errors.Add($"--mix: '{part}' must be NAME=WEIGHT with a non-negative integer weight");
                continue;
            }

            weights[name] = weight;
        }

        if (weights.Values.Sum() <= 0)
        {
            errors.Add("--mix needs at least one positive weight, e.g. --mix small=80,large=20");
        }

        return weights;
    }

    /// <summary>Parses a JSON object, inline or from a file given as <c>@path</c>.</summary>
    public static (IReadOnlyDictionary<string, JsonElement> Arguments, string Display) ToolArguments(string option, string text, List<string> errors)
    {
        string json;
        string display;
        if (text.StartsWith('@'))
        {
            try
            {
                json = File.ReadAllText(text[1..]);
            }
            catch (IOException ex)
            {
                errors.Add($"{option}: cannot read '{text[1..]}': {ex.Message}");
                return (new Dictionary<string, JsonElement>(), text);
            }

            display = $"{text} ({json.Length:N0} chars)";
        }
        else
        {
            json = text;
            display = text;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{option}: the tool arguments must be a JSON object, e.g. '{{\"message\":\"hi\"}}'");
                return (new Dictionary<string, JsonElement>(), display);
            }

            var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
            return (arguments, display);
        }
        catch (JsonException ex)
        {
            errors.Add($"{option}: not valid JSON ({ex.Message}); quote it for the shell, e.g. '{{\"message\":\"hi\"}}'");
            return (new Dictionary<string, JsonElement>(), display);
        }
    }

    /// <summary>Quotes arguments so the recorded command line can be pasted back into a POSIX shell.</summary>
    public static string ShellQuote(IEnumerable<string> args) => string.Join(' ', args.Select(QuoteOne));

    private static string QuoteOne(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
