using System.Globalization;

namespace Warden.Core.Configuration;

/// <summary>Parses durations written as 500ms, 30s, 10m, 2h, 1d, 2w, 6y (a year is 365 days), or a bare number of seconds.</summary>
public static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ when text.EndsWith('d') => (text[..^1], 86400.0),
            _ when text.EndsWith('w') => (text[..^1], 7 * 86400.0),
            _ when text.EndsWith('y') => (text[..^1], 365 * 86400.0),
            _ => (text, 1.0),
        };

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || value < 0 || value > 1e9)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }
}
