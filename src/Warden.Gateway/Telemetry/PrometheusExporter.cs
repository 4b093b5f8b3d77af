using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// The metrics as Prometheus text (exposition format 0.0.4), collected when <c>GET /metrics</c> asks. Names and
/// units follow the OpenTelemetry-to-Prometheus rules: dots become underscores, the unit is a suffix
/// (<c>_seconds</c>), counters end in <c>_total</c>, attributes become labels.
/// </summary>
[ExportModes(ExportModes.Pull)]
internal sealed class PrometheusExporter : BaseExporter<Metric>, IPullMetricExporter
{
    private readonly Lock _scrape = new();
    private readonly StringBuilder _text = new(8192);

    /// <summary>Set by the metric reader this exporter is given to: collects and calls <see cref="Export"/>.</summary>
    public Func<int, bool>? Collect { get; set; }

    /// <summary>Collects every instrument now and returns the text; concurrent scrapes take turns.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            _text.Clear();
            Collect?.Invoke(5000);
            return _text.ToString();
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        foreach (var metric in batch)
        {
            Write(metric, _text);
        }

        return ExportResult.Success;
    }

    private static void Write(Metric metric, StringBuilder text)
    {
        var (type, counter) = metric.MetricType switch
        {
            MetricType.LongSum or MetricType.DoubleSum => ("counter", true),
            MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic or MetricType.LongGauge or MetricType.DoubleGauge => ("gauge", false),
            MetricType.Histogram => ("histogram", false),
            _ => (null, false),
        };
        if (type is null)
        {
            return;
        }

        // In the 0.0.4 text format a counter's HELP and TYPE name the sample itself, _total included.
        var name = MetricName(metric.Name, metric.Unit, counter);
        text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(metric.Description)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = Labels(point.Tags);
            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    Sample(text, name, labels, null, point.GetSumLong());
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    Sample(text, name, labels, null, point.GetSumDouble());
                    break;
                case MetricType.LongGauge:
                    Sample(text, name, labels, null, point.GetGaugeLastValueLong());
                    break;
                case MetricType.DoubleGauge:
                    Sample(text, name, labels, null, point.GetGaugeLastValueDouble());
                    break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        var le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Number(bucket.ExplicitBound);
                        Sample(text, name + "_bucket", labels, le, cumulative);
                    }

                    Sample(text, name + "_sum", labels, null, point.GetHistogramSum());
                    Sample(text, name + "_count", labels, null, point.GetHistogramCount());
                    break;
            }
        }
    }

    /// <summary>The Prometheus name of an OpenTelemetry metric, e.g. mcp.server.operation.duration (s) → mcp_server_operation_duration_seconds.</summary>
    internal static string MetricName(string name, string? unit, bool counter)
    {
        var result = Sanitize(name, allowColon: true);
        var suffix = unit switch
        {
            null or "" or "1" => null,
            _ when unit.StartsWith('{') => null,
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            _ => Sanitize(unit, allowColon: false),
        };
        if (suffix is not null && !result.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            result += "_" + suffix;
        }

        return counter && !result.EndsWith("_total", StringComparison.Ordinal) ? result + "_total" : result;
    }

    private static string Labels(ReadOnlyTagCollection tags)
    {
        if (tags.Count == 0)
        {
            return "";
        }

        var labels = new StringBuilder();
        foreach (var tag in tags)
        {
            labels.Append(labels.Length == 0 ? "" : ",").Append(Sanitize(tag.Key, allowColon: false)).Append("=\"");
            var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
            foreach (var c in value)
            {
                labels.Append(c switch
                {
                    '\\' => "\\\\",
                    '"' => "\\\"",
                    '\n' => "\\n",
                    _ => c.ToString(),
                });
            }

            labels.Append('"');
        }

        return labels.ToString();
    }

    private static void Sample(StringBuilder text, string name, string labels, string? le, double value) => Sample(text, name, labels, le, Number(value));

    private static void Sample(StringBuilder text, string name, string labels, string? le, long value) => Sample(text, name, labels, le, value.ToString(CultureInfo.InvariantCulture));

    private static void Sample(StringBuilder text, string name, string labels, string? le, string value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').Append(labels);
            if (le is not null)
            {
                text.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Sanitize(string name, bool allowColon)
    {
        var result = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            result.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        if (result.Length > 0 && char.IsAsciiDigit(result[0]))
        {
            result.Insert(0, '_');
        }

        return result.ToString();
    }

    private static string EscapeHelp(string? help) => (help ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
