using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Warden.Core.Audit;
using Warden.Core.Audit.Redaction;

namespace Warden.Benchmarks.Audit.Redaction;

/// <summary>
/// A tools/call result becoming a record's output: hashing it and keeping the prefix (what Warden did before, the
/// baseline) against redacting the whole result first and hashing the redacted whole.
/// </summary>
[MemoryDiagnoser]
public class OutputRedactionBenchmarks
{
    private readonly SecretRedactor _redactor = SecretRedactor.Create([new Core.Configuration.RedactPattern("acme-key", "acme_[a-z0-9]{24}")]);
    private byte[] _result = null!;

    /// <summary>Size of the result's text, in bytes.</summary>
    [Params(1024, 102400)]
    public int TextBytes { get; set; }

    /// <summary>
    /// plain: lines of letters and digits (no rule's trigger appears); prose: text with URLs, "token" and "password" in
    /// it (the regex runs over most of it, finding nothing); secret: prose with one GitHub token in the middle.
    /// </summary>
    [Params("plain", "prose", "secret")]
    public string Content { get; set; } = "plain";

    [GlobalSetup]
    public void Setup()
    {
        var line = Content == "plain"
            ? "0123456789abcdefghijklmnopqrstuvwxyz\n"
            : "See https://example.com/docs/limits for the token bucket; a password reset link expires in 1 hour.\n";
        var text = new StringBuilder();
        while (text.Length < TextBytes)
        {
            text.Append(line, 0, Math.Min(line.Length, TextBytes - text.Length));
        }

        if (Content == "secret")
        {
            text.Insert(TextBytes / 2, " ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8 ");
        }

        _result = Encoding.UTF8.GetBytes($$"""{"content":[{"type":"text","text":{{JsonSerializer.Serialize(text.ToString())}}}],"isError":false}""");
    }

    [Benchmark(Baseline = true)]
    public AuditOutput HashOnly() => AuditOutput.FromUtf8(_result, 16384);

    [Benchmark]
    public AuditOutput RedactThenHash() => AuditOutput.FromJsonUtf8(_result, 16384, _redactor, new RedactionTally());

    /// <summary>Warden's default: built-in rules only, so clean ASCII output is cleared on its raw bytes.</summary>
    [Benchmark]
    public AuditOutput RedactThenHashBuiltInRulesOnly() => AuditOutput.FromJsonUtf8(_result, 16384, SecretRedactor.Default, new RedactionTally());
}
