using System.Text.Json;

namespace Warden.LoadGen;

/// <summary>One kind of tool call in the mix (e.g. <c>small</c> = <c>echo</c>), with its share of calls.</summary>
internal sealed record CallSpec(string Name, string Tool, IReadOnlyDictionary<string, JsonElement> Arguments, string ArgumentsDisplay, int Weight);
