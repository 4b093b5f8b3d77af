using System.Buffers;
using System.Text.Json.Nodes;

namespace Warden.Core.Audit;

/// <summary>RFC 8785 JSON Canonicalization Scheme (JCS) for <see cref="JsonNode"/> values, producing UTF-8.</summary>
/// <remarks>
/// Object members are sorted by their names' UTF-16 code units, numbers are written as ECMAScript writes
/// doubles, strings use the minimal escaping of RFC 8785 §3.2.2.2, and no whitespace is emitted. NaN,
/// infinities and unpaired surrogates cannot be canonicalised and throw <see cref="ArgumentException"/>.
/// </remarks>
public static class JsonCanonicalizer
{
    /// <summary>The canonical UTF-8 encoding of <paramref name="node"/> (a null node is the JSON literal null).</summary>
    public static byte[] Canonicalize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(node, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the canonical UTF-8 encoding of <paramref name="node"/> to <paramref name="output"/>.</summary>
    public static void Write(JsonNode? node, IBufferWriter<byte> output)
    {
        new CanonicalJsonWriter(output).WriteNode(node);
    }
}
