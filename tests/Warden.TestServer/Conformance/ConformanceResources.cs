using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>The conformance suite's resources and resource template (resources-* scenarios).</summary>
[McpServerResourceType]
public sealed class ConformanceResources
{
    public const string WatchedUri = "test://watched-resource";

    [McpServerResource(UriTemplate = "test://static-text", Name = "static-text", MimeType = "text/plain")]
    [Description("A static text resource.")]
    public static string StaticText() => "This is the content of the static text resource.";

    [McpServerResource(UriTemplate = "test://static-binary", Name = "static-binary", MimeType = "image/png")]
    [Description("A static binary resource (a 1x1 PNG).")]
    public static BlobResourceContents StaticBinary() => BlobResourceContents.FromBytes(ConformanceData.Png, "test://static-binary", "image/png");

    [McpServerResource(UriTemplate = "test://template/{id}/data", Name = "template", MimeType = "application/json")]
    [Description("A resource template: the id in the URI is echoed in the JSON body.")]
    public static TextResourceContents Template(string id) => new()
    {
        Uri = $"test://template/{id}/data",
        MimeType = "application/json",
        Text = new JsonObject { ["id"] = id, ["templateTest"] = true, ["data"] = $"Data for ID: {id}" }.ToJsonString(),
    };

    [McpServerResource(UriTemplate = WatchedUri, Name = "watched-resource", MimeType = "text/plain")]
    [Description("A subscribable resource; tool update_resource changes it and notifies subscribers.")]
    public static string Watched(ResourceSubscriptions subscriptions) => $"Watched resource content, version {subscriptions.Version(WatchedUri)}";
}
