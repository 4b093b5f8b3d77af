using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Core.Audit.Bundles;

/// <summary>
/// <c>manifest.json</c> of an export bundle: what it holds (record counts, seq range, timestamps, checkpoints), how it
/// was selected, which Warden made it and when, and the SHA-256 of every other file. It is not signed: the records
/// are anchored by the signed checkpoints, and the manifest only lets a reader check the bundle arrived whole.
/// </summary>
public sealed record AuditBundleManifest
{
    public const string FormatName = "warden-audit-bundle";
    public const int CurrentFormatVersion = 1;

    public required DateTimeOffset Created { get; init; }

    public required string ToolVersion { get; init; }

    public string? Origin { get; init; }

    /// <summary>True when the bundle holds the whole log from seq 1 (verified by rebuilding the tree), false for a selection (verified by inclusion proofs).</summary>
    public required bool Complete { get; init; }

    /// <summary>The filters that selected a subset (option name to value).</summary>
    public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();

    public long RecordCount { get; init; }

    public long? FirstSeq { get; init; }

    public long? LastSeq { get; init; }

    public string? FirstTimestamp { get; init; }

    public string? LastTimestamp { get; init; }

    public int CheckpointCount { get; init; }

    public long? LatestTreeSize { get; init; }

    public IReadOnlyList<BundleFile> Files { get; init; } = [];

    public JsonObject ToJson()
    {
        var filters = new JsonObject();
        foreach (var (name, value) in Filters.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            filters[name] = value;
        }

        var files = new JsonArray();
        foreach (var file in Files)
        {
            files.Add(new JsonObject { ["name"] = file.Name, ["sha256"] = file.Sha256, ["bytes"] = file.Bytes });
        }

        return new JsonObject
        {
            ["format"] = FormatName,
            ["format_version"] = CurrentFormatVersion,
            ["created"] = AuditRecordEncoder.FormatTimestamp(Created),
            ["tool"] = new JsonObject { ["name"] = "warden", ["version"] = ToolVersion },
            ["origin"] = Origin,
            ["kind"] = Complete ? "complete" : "subset",
            ["filters"] = filters,
            ["records"] = new JsonObject
            {
                ["count"] = RecordCount,
                ["first_seq"] = FirstSeq,
                ["last_seq"] = LastSeq,
                ["first_timestamp"] = FirstTimestamp,
                ["last_timestamp"] = LastTimestamp,
            },
            ["checkpoints"] = new JsonObject { ["count"] = CheckpointCount, ["latest_tree_size"] = LatestTreeSize },
            ["files"] = files,
        };
    }

    /// <summary>Reads a manifest; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static AuditBundleManifest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("manifest.json is not a JSON object");
            if (root["format"]?.GetValue<string>() != FormatName)
            {
                throw new FormatException($"manifest.json does not name the format '{FormatName}'");
            }

            var version = root["format_version"]?.GetValue<int>();
            if (version != CurrentFormatVersion)
            {
                throw new FormatException($"manifest.json has format_version {version?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}; this Warden reads version {CurrentFormatVersion}");
            }

            var records = root["records"] as JsonObject ?? throw new FormatException("manifest.json has no records section");
            var checkpoints = root["checkpoints"] as JsonObject ?? throw new FormatException("manifest.json has no checkpoints section");
            return new AuditBundleManifest
            {
                Created = DateTimeOffset.Parse(root["created"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                ToolVersion = root["tool"]?["version"]?.GetValue<string>() ?? "",
                Origin = root["origin"]?.GetValue<string>(),
                Complete = root["kind"]?.GetValue<string>() switch
                {
                    "complete" => true,
                    "subset" => false,
                    var other => throw new FormatException($"manifest.json kind must be complete or subset, got '{other}'"),
                },
                Filters = (root["filters"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal),
                RecordCount = records["count"]!.GetValue<long>(),
                FirstSeq = records["first_seq"]?.GetValue<long>(),
                LastSeq = records["last_seq"]?.GetValue<long>(),
                FirstTimestamp = records["first_timestamp"]?.GetValue<string>(),
                LastTimestamp = records["last_timestamp"]?.GetValue<string>(),
                CheckpointCount = checkpoints["count"]!.GetValue<int>(),
                LatestTreeSize = checkpoints["latest_tree_size"]?.GetValue<long>(),
                Files = (root["files"] as JsonArray ?? throw new FormatException("manifest.json has no files list"))
                    .Select(f => new BundleFile(f!["name"]!.GetValue<string>(), f["sha256"]!.GetValue<string>(), f["bytes"]!.GetValue<long>()))
                    .ToList(),
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new FormatException(ex is FormatException ? ex.Message : $"manifest.json cannot be read: {ex.Message}", ex);
        }
    }
}
