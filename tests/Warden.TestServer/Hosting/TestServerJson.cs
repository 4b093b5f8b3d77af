using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.TestServer.Hosting;

/// <summary>JSON options for text results that tests read back: no HTML-safe escaping of '+', quotes or '&lt;'.</summary>
internal static class TestServerJson
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
