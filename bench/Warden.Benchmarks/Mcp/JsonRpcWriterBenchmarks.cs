using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ModelContextProtocol.Protocol;
using Warden.Gateway.Mcp;

namespace Warden.Benchmarks.Mcp;

/// <summary>
/// Writing an upstream's tools/call response to the client, as parsed by the SDK's transports: the SDK's
/// serialiser (what Warden used before) against <see cref="JsonRpcWriter"/>.
/// </summary>
[MemoryDiagnoser]
public class JsonRpcWriterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256 * 1024);
    private JsonRpcMessage _response = null!;

    /// <summary>Text size of the result, in bytes; the text has a newline every 37 bytes, as the test server's big_result.</summary>
    [Params(16, 102400)]
    public int TextBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        while (text.Length < TextBytes)
        {
            text.Append("0123456789abcdefghijklmnopqrstuvwxyz\n", 0, Math.Min(37, TextBytes - text.Length));
        }

        var json = $$"""{"result":{"content":[{"type":"text","text":{{JsonSerializer.Serialize(text.ToString())}}}],"isError":false},"id":7,"jsonrpc":"2.0"}""";
        _response = JsonSerializer.Deserialize(json, McpJsonSerialization.Message)!;
    }

    [Benchmark(Baseline = true)]
    public int SdkSerializer()
    {
        _output.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_output);
        JsonSerializer.Serialize(writer, _response, McpJsonSerialization.Message);
        writer.Flush();
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WardenWriter()
    {
        _output.ResetWrittenCount();
        JsonRpcWriter.Write(_output, _response);
        return _output.WrittenCount;
    }
}
