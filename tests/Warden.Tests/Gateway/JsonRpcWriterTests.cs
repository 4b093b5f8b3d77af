using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Gateway.Mcp;

namespace Warden.Tests.Gateway;

public sealed class JsonRpcWriterTests
{
    // Escapes, non-ASCII, nesting, numbers written in more than one way: what a result carries.
    private const string Result = """{"content":[{"type":"text","text":"line 1\nline \"2\"\t\\ done"},{"type":"text","text":"caf\u00e9 \ud83d\ude00"}],"structuredContent":{"n":1.50,"big":12345678901234567890,"list":[true,false,null,[],{}]},"isError":false}""";

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":RESULT}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"abc","result":RESULT}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":RESULT}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}""")]
    public void Write_ParsedMessage_MatchesSdkSerialisation(string template)
    {
        var message = Parse(template.Replace("RESULT", Result, StringComparison.Ordinal));

        AssertSameJson(Sdk(message), Warden(message));
    }

    [Fact]
    public void Write_ParsedResult_CopiesTheUpstreamBytes()
    {
        var message = Parse("""{"jsonrpc":"2.0","id":7,"result":RESULT}""".Replace("RESULT", Result, StringComparison.Ordinal));

        Assert.Equal("""{"result":RESULT,"id":7,"jsonrpc":"2.0"}""".Replace("RESULT", Result, StringComparison.Ordinal), Warden(message));
    }

    [Fact]
    public void Write_ResultReadAndChanged_WritesTheChanges()
    {
        var response = (JsonRpcResponse)Parse("""{"jsonrpc":"2.0","id":7,"result":RESULT}""".Replace("RESULT", Result, StringComparison.Ordinal));
        var result = (JsonObject)response.Result!;
        _ = result["isError"];
        result["content"]![0]!["text"] = "changed";
        result["structuredContent"]!["list"]!.AsArray().Add(42);
        result["added"] = new JsonObject { ["x"] = "y\n" };

        var written = Warden(response);

        AssertSameJson(Sdk(response), written);
        Assert.Contains("\"changed\"", written, StringComparison.Ordinal);
        Assert.Contains("[true,false,null,[],{},42]", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ResultBuiltInCode_MatchesSdkSerialisation()
    {
        var response = new JsonRpcResponse
        {
            Id = new RequestId("x"),
            Result = new JsonObject { ["tools"] = new JsonArray(new JsonObject { ["name"] = "a/b", ["n"] = 1 }), ["text"] = "<\"é\">" },
        };

        Assert.Equal(Sdk(response), Warden(response));
    }

    [Fact]
    public void Write_NullResult_OmitsIt()
    {
        var response = new JsonRpcResponse { Id = new RequestId(1), Result = null };

        Assert.Equal(Sdk(response), Warden(response));
    }

    private static JsonRpcMessage Parse(string json) =>
        JsonSerializer.Deserialize(json, McpJsonSerialization.Message)!;

    private static string Sdk(JsonRpcMessage message) => JsonSerializer.Serialize(message, McpJsonSerialization.Message);

    private static string Warden(JsonRpcMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        JsonRpcWriter.Write(buffer, message);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");
}
