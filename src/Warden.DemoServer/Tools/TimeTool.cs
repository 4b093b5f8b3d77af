using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.DemoServer.Tools;

/// <summary>Current time, optionally in a named time zone.</summary>
[McpServerToolType]
public sealed class TimeTool
{
    [McpServerTool(Name = "get_time", Title = "Current time", ReadOnly = true, Destructive = false, OpenWorld = false)]
    [Description("Returns the current date and time as ISO 8601 with UTC offset, e.g. 2025-06-01T14:03:07.123+02:00. " +
        "Without a time zone it uses UTC.")]
    public static CallToolResult GetTime(
        TimeProvider time,
        [Description("IANA time zone, e.g. Europe/Paris or America/New_York (default UTC)")] string? timeZone = null)
    {
        var now = time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return ToolResults.Text(now.ToString("O"));
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone.Trim());
            return ToolResults.Text(TimeZoneInfo.ConvertTime(now, zone).ToString("O"));
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return ToolResults.Error($"Unknown time zone '{timeZone}'. Use an IANA name such as Europe/Paris, Asia/Tokyo or UTC.");
        }
    }
}
