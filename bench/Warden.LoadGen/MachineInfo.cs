using System.Runtime;
using System.Runtime.InteropServices;

namespace Warden.LoadGen;

/// <summary>Facts about the machine that a reader needs to judge the figures.</summary>
internal sealed record MachineInfo(int Cores, string Cpu, string Os, string Runtime, string Memory, string Gc, DateTimeOffset Date)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        CpuModel(),
        $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
        RuntimeInformation.FrameworkDescription,
        $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB",
        GCSettings.IsServerGC ? "server" : "workstation",
        DateTimeOffset.UtcNow);

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
