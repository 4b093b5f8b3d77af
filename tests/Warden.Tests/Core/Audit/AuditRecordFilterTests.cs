using System.Text;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>The live stream's in-memory filter reads the query parameters as the stores' queries do.</summary>
public sealed class AuditRecordFilterTests
{
    [Theory]
    [InlineData(null, null, null, null, null, true)]
    [InlineData("alice", "support", "post*", "*query", null, true)]
    [InlineData("bob", null, null, null, null, false)]
    [InlineData(null, "admin", null, null, null, false)]
    [InlineData(null, null, "mysql", null, null, false)]
    [InlineData(null, null, null, null, "table:*customers", true)]
    [InlineData(null, null, null, null, "column:customers.email", true)]
    [InlineData(null, null, null, null, "file:**/.env", false)]
    [InlineData(null, null, null, null, "*.email", true)]
    public void Matches_QueryFilters_AgreeWithTheRecord(string? user, string? role, string? server, string? tool, string? resource, bool expected)
    {
        var record = AuditRecords.Sample() with { Input = AuditRecords.Sample().Input with { Server = "postgres" } };
        var filter = new AuditRecordFilter(new AuditQuery { User = user, Role = role, Server = server, Tool = tool, Resource = resource });

        Assert.Equal(expected, filter.Matches(record, Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record))));
    }

    [Fact]
    public void Matches_FreeTextAndDecision_LikeTheQueryApi()
    {
        var record = AuditRecords.Sample();
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record));

        Assert.True(new AuditRecordFilter(new AuditQuery { Text = "ALICE@example" }).Matches(record, json));
        Assert.False(new AuditRecordFilter(new AuditQuery { Text = "bob@example" }).Matches(record, json));
        Assert.False(new AuditRecordFilter(new AuditQuery { Decision = AuditEffect.Deny }).Matches(record, json));
        Assert.True(new AuditRecordFilter(new AuditQuery { From = record.Timestamp, To = record.Timestamp.AddSeconds(1) }).Matches(record, json));
    }
}
