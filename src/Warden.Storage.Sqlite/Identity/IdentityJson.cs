using System.Text.Json.Serialization;

namespace Warden.Storage.Sqlite.Identity;

/// <summary>Source-generated JSON for the identity tables' list columns.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class IdentityJson : JsonSerializerContext;
