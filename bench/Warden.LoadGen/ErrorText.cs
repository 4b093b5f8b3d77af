namespace Warden.LoadGen;

/// <summary>Turns failures into one short line that fits a progress line and a Markdown list item.</summary>
internal static class ErrorText
{
    private const int MaxLength = 200;

    public static string Of(Exception ex) => $"{ex.GetType().Name}: {OneLine(ex.Message)}";

    public static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= MaxLength ? line : line[..MaxLength] + "…";
    }
}
