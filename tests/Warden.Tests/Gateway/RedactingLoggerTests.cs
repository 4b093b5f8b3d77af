using Microsoft.Extensions.Logging;
using Warden.Core.Audit.Redaction;
using Warden.Gateway.Logging;
using Warden.Tests.Core.Audit.Redaction;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>Whatever a logger is handed, its providers see it with secrets masked.</summary>
public sealed class RedactingLoggerTests
{
    private readonly CapturedLogs _captured = new();

    private ILogger Logger(string category = "Test")
    {
        var factory = new RedactingLoggerFactory(LoggerFactory.Create(b => b.AddProvider(_captured).SetMinimumLevel(LogLevel.Trace)), () => SecretRedactor.Default);
        return factory.CreateLogger(category);
    }

    [Fact]
    public void Log_SecretInMessageValuesAndException_ProviderSeesOnlyMarkers()
    {
        var logger = Logger();
        var failure = new InvalidOperationException("upstream said token=" + Secrets.Opaque);

        logger.LogWarning(failure, "Upstream {Server} failed: {Error}", "github", "bad credentials " + Secrets.GitHubPat);

        var text = _captured.Text;
        Assert.DoesNotContain(Secrets.GitHubPat, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secrets.Opaque, text, StringComparison.Ordinal);
        Assert.Contains("Upstream github failed: bad credentials [REDACTED:github-token]", text, StringComparison.Ordinal);
        Assert.Contains("Error=bad credentials [REDACTED:github-token]", text, StringComparison.Ordinal);
        Assert.Contains("upstream said token=[REDACTED:secret-assignment]", text, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: upstream said", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_PrivateKeyOneLinePerMessage_BodyMaskedUntilTheEndLine()
    {
        var logger = Logger();

        foreach (var line in Secrets.PrivateKey.Split('\n').Append("after the key"))
        {
            logger.LogInformation("stderr: {Line}", line);
        }

        var text = _captured.Text;
        foreach (var line in Secrets.PrivateKey.Split('\n')[1..^1])
        {
            Assert.DoesNotContain(line, text, StringComparison.Ordinal);
        }

        Assert.Contains("stderr: after the key", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_KeyBlockNeverClosed_StopsMaskingAfterAKeysWorthOfLines()
    {
        var logger = Logger();

        logger.LogInformation("-----BEGIN OPENSSH PRIVATE KEY-----");
        for (var i = 0; i < 300; i++)
        {
            logger.LogInformation("line {N}", i);
        }

        Assert.DoesNotContain("line 0 ", _captured.Text, StringComparison.Ordinal);
        Assert.Contains("line 299", _captured.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_NothingSecret_PassesTheEntryThroughUnchanged()
    {
        var logger = Logger();

        logger.LogInformation("Servers changed: {Servers}", "github, files");

        Assert.Contains("Servers changed: github, files {Servers=github, files | {OriginalFormat}=Servers changed: {Servers}}", _captured.Text, StringComparison.Ordinal);
    }
}
