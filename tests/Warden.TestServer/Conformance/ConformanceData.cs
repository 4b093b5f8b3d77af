namespace Warden.TestServer.Conformance;

/// <summary>Fixed payloads the conformance scenarios expect to find in results.</summary>
internal static class ConformanceData
{
    // A 1x1 red PNG and a minimal WAV: the smallest content that is still a valid image/audio file.
    private const string PngBase64 =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    private const string WavBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    public static ReadOnlyMemory<byte> Png { get; } = Convert.FromBase64String(PngBase64);

    public static ReadOnlyMemory<byte> Wav { get; } = Convert.FromBase64String(WavBase64);
}
