using Warden.Core.Audit.Retention;
using Warden.Core.Configuration;

namespace Warden.Tests.Core;

public sealed class RetentionConfigTests
{
    private const string Yaml = """
        audit:
          retention:
            default: 1y
            servers: { "scratch-*": 30d, "archive": forever }
            dataClasses: { hipaa: 6y, public: 2w }
            pruneInterval: 15m
          privacy:
            encryptContent: true
        servers:
          ehr: { url: "http://127.0.0.1:9/mcp", dataClass: hipaa }
          scratch-ehr: { url: "http://127.0.0.1:9/mcp", dataClass: hipaa }
          docs: { url: "http://127.0.0.1:9/mcp", dataClass: public }
          web: { url: "http://127.0.0.1:9/mcp" }
        """;

    [Fact]
    public void Parse_RetentionAndPrivacy_ReadsEveryField()
    {
        var result = ConfigParser.Parse(Yaml);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var audit = result.Config!.Audit;
        Assert.Equal(TimeSpan.FromDays(365), audit.Retention.Default);
        Assert.Equal([new RetentionRule("scratch-*", TimeSpan.FromDays(30)), new RetentionRule("archive", null)], audit.Retention.Servers);
        Assert.Equal(TimeSpan.FromDays(6 * 365), audit.Retention.DataClasses["hipaa"]);
        Assert.Equal(TimeSpan.FromMinutes(15), audit.Retention.PruneInterval);
        Assert.True(audit.Privacy.EncryptContent);
        Assert.Equal("hipaa", result.Config.Servers["ehr"].DataClass);
    }

    [Fact]
    public void Policy_ServerGlobBeatsDataClassBeatsDefault()
    {
        var policy = RetentionPolicy.From(ConfigParser.Parse(Yaml).Config!);

        Assert.Equal((TimeSpan.FromDays(6 * 365), "audit.retention.dataClasses.hipaa"), policy.For("ehr"));
        Assert.Equal((TimeSpan.FromDays(30), "audit.retention.servers.scratch-*"), policy.For("scratch-ehr"));
        Assert.Equal(((TimeSpan?)null, "audit.retention.servers.archive"), policy.For("archive"));
        Assert.Equal((TimeSpan.FromDays(14), "audit.retention.dataClasses.public"), policy.For("docs"));
        Assert.Equal((TimeSpan.FromDays(365), "audit.retention.default"), policy.For("web"));
        Assert.Equal((TimeSpan.FromDays(365), "audit.retention.default"), policy.For(null));
        Assert.Equal(TimeSpan.FromDays(14), policy.Shortest);
        Assert.True(policy.IsDue("web", DateTimeOffset.UtcNow.AddDays(-366), DateTimeOffset.UtcNow));
        Assert.False(policy.IsDue("archive", DateTimeOffset.UtcNow.AddYears(-50), DateTimeOffset.UtcNow));
        Assert.Equal("6y", RetentionPolicy.Describe(TimeSpan.FromDays(6 * 365)));
    }

    [Fact]
    public void Defaults_KeepOneYearAndPruneHourly_ContentInClear()
    {
        var config = new WardenConfig();

        Assert.Equal(TimeSpan.FromDays(365), config.Audit.Retention.Default);
        Assert.Equal(TimeSpan.FromHours(1), config.Audit.Retention.PruneInterval);
        Assert.False(config.Audit.Privacy.EncryptContent);
    }

    [Theory]
    [InlineData("audit:\n  retention:\n    default: 12h\n", "audit.retention.default: must be a retention period of at least 1d such as 30d, 52w or 6y, or 'forever', got '12h'")]
    [InlineData("audit:\n  retention:\n    servers: { web: sometime }\n", "audit.retention.servers.web: must be a retention period")]
    [InlineData("audit:\n  retention:\n    dataClasses: { HIPAA: 6y }\n", "audit.retention.dataClasses.HIPAA: data class names use lowercase letters")]
    [InlineData("audit:\n  retention:\n    pruneInterval: never\n", "audit.retention.pruneInterval: must be a positive duration")]
    [InlineData("audit:\n  privacy:\n    encryptContent: maybe\n", "audit.privacy.encryptContent: must be true or false")]
    [InlineData("audit:\n  privacy:\n    encryptNames: true\n", "audit.privacy.encryptNames: is not a known setting (expected one of: encryptContent)")]
    [InlineData("servers:\n  ehr:\n    url: http://127.0.0.1:9/mcp\n    dataClass: hipaa\n", "servers.ehr.dataClass: 'hipaa' has no retention rule in audit.retention.dataClasses (none is defined); add one, e.g. `hipaa: 6y`, or fix the name (line 4)")]
    public void Parse_BadRetentionOrPrivacy_NamesThePathAndTheFix(string yaml, string expected)
    {
        var result = ConfigParser.Parse(yaml);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith(expected, StringComparison.Ordinal));
    }
}
