using System.Globalization;
using System.Text.RegularExpressions;

namespace Warden.Tests.Infrastructure;

/// <summary>A Prometheus text exposition parsed into samples, so tests can read counters and histograms by label.</summary>
internal sealed partial class PrometheusScrape
{
    private PrometheusScrape(IReadOnlyList<Sample> samples, IReadOnlyDictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>The # TYPE of each metric family.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }

            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["key"].Value] = Regex.Unescape(label.Groups["value"].Value);
            }

            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(match.Groups["name"].Value, labels, value));
        }

        return new PrometheusScrape(samples, types);
    }

    /// <summary>Samples named <paramref name="name"/> whose labels include all of <paramref name="labels"/> ("key=value").</summary>
    public IReadOnlyList<Sample> Find(string name, params string[] labels) =>
        [.. Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l[..l.IndexOf('=')], out var v) && v == l[(l.IndexOf('=') + 1)..]))];

    /// <summary>The sum of the matching samples (0 when there are none).</summary>
    public double Sum(string name, params string[] labels) => Find(name, labels).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
