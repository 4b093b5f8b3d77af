namespace Warden.DemoServer.Resources;

/// <summary>A best-effort MIME type from a file extension; clients use it only as a rendering hint.</summary>
internal static class MimeTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".md"] = "text/markdown",
        [".json"] = "application/json",
        [".yaml"] = "application/yaml",
        [".yml"] = "application/yaml",
        [".xml"] = "application/xml",
        [".html"] = "text/html",
        [".css"] = "text/css",
        [".js"] = "text/javascript",
        [".csv"] = "text/csv",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".svg"] = "image/svg+xml",
        [".pdf"] = "application/pdf",
    };

    public static string Guess(string path, bool isText) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var type) ? type : isText ? "text/plain" : "application/octet-stream";
}
