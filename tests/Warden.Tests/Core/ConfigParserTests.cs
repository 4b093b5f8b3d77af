using Warden.Core.Configuration;

namespace Warden.Tests.Core;

public sealed class ConfigParserTests
{
    [Fact]
    public void Parse_FullConfig_ReadsEveryField()
    {
        var result = ConfigParser.Parse("""
            listen:
              urls: [http://127.0.0.1:9000]
              allowedHosts: [warden.internal]
            sessions:
              idleTimeout: 10m
            servers:
              github:
                url: https://mcp.example.com/mcp
                headers:
                  Authorization: Bearer ${GH_TOKEN}
                timeout: 30s
              fs:
                command: npx
                args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]
                mode: shared
                env: { NODE_ENV: production }
            """, environment: name => name == "GH_TOKEN" ? "secret-value" : null);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var config = result.Config!;
        Assert.Equal(["http://127.0.0.1:9000"], config.Listen.Urls);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Sessions.IdleTimeout);
        Assert.Equal(UpstreamKind.Http, config.Servers["github"].Kind);
        Assert.Equal("Bearer secret-value", config.Servers["github"].Headers["Authorization"]);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Servers["github"].Timeout);
        Assert.Equal(StdioMode.Shared, config.Servers["fs"].Mode);
        Assert.Equal(3, config.Servers["fs"].Args.Count);
    }

    [Fact]
    public void Parse_ManyProblems_ListsEveryOneWithItsPath()
    {
        var result = ConfigParser.Parse("""
            listen:
              urls: [not-a-url]
              colour: blue
            servers:
              github:
                url: github.com
              both:
                url: http://x/mcp
                command: node
              neither:
                timeout: 5s
              "bad__name":
                command: x
              fs:
                command: npx
                mode: sometimes
                timeout: soon
                headers: { A: b }
              missing:
                command: ${NOT_SET_ANYWHERE}
            """, environment: _ => null);

        Assert.False(result.IsValid);
        var paths = result.Errors.Select(e => e.Path).ToList();
        Assert.Contains("listen.urls[0]", paths);
        Assert.Contains("listen.colour", paths);
        Assert.Contains("servers.github.url", paths);
        Assert.Contains("servers.both", paths);
        Assert.Contains("servers.neither", paths);
        Assert.Contains("servers.bad__name", paths);
        Assert.Contains("servers.fs.mode", paths);
        Assert.Contains("servers.fs.timeout", paths);
        Assert.Contains("servers.fs.headers", paths);
        Assert.Contains("servers.missing.command", paths);
        Assert.Contains(result.Errors, e => e.Path == "servers.github.url" && e.Message.Contains("absolute http(s) URL, got 'github.com'"));
        Assert.All(result.Errors, e => Assert.NotNull(e.Line));
    }

    [Fact]
    public void Parse_AuditRedact_ReadsNamedPatterns()
    {
        var result = ConfigParser.Parse("""
            audit:
              redact:
                - { name: acme-key, pattern: 'acme_[a-z0-9]{32}' }
                - name: employee-pin
                  pattern: 'PIN (?<secret>\d{6})'
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal([new RedactPattern("acme-key", "acme_[a-z0-9]{32}"), new RedactPattern("employee-pin", @"PIN (?<secret>\d{6})")], result.Config!.Audit.Redact);
    }

    [Fact]
    public void Parse_AuditRedactProblems_ListsEachWithItsPath()
    {
        var result = ConfigParser.Parse("""
            audit:
              redact:
                - { name: acme-key, pattern: 'acme_[a-z0-9' }
                - { name: github-token, pattern: 'gh_x+' }
                - { name: Bad Name, pattern: 'x+' }
                - { name: empty, pattern: 'a*' }
                - { name: no-pattern }
                - { name: acme-key, pattern: 'acme2' }
            """);

        Assert.False(result.IsValid);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("audit.redact[0].pattern: is not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.redact[1].name: 'github-token' is already the name of a built-in rule", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.redact[2].name: must be lowercase letters, digits and '-'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.redact[3].pattern: matches the empty string", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.redact[4].pattern: is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.redact[5].name: 'acme-key' is already the name of another audit.redact pattern", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ServerCredentials_ReadsThemAndListsEveryMistake()
    {
        var good = ConfigParser.Parse("""
            servers:
              github:
                url: https://api.example.com/mcp
                credentials: { header: Authorization }
              db:
                command: db-mcp
                credentials: { scope: shared, env: DB_PASSWORD, required: false }
            """);
        Assert.True(good.IsValid, string.Join("; ", good.Errors));
        var github = good.Config!.Servers["github"].Credentials!;
        Assert.Equal(CredentialScope.PerUser, github.Scope);
        Assert.Equal("Bearer s3cret", github.Render("s3cret"));
        Assert.Equal(CredentialScope.Shared, good.Config.Servers["db"].Credentials!.Scope);
        Assert.False(good.Config.Servers["db"].Credentials!.Required);

        var bad = ConfigParser.Parse("""
            servers:
              a:
                url: https://a.example.com/mcp
                credentials: { env: TOKEN }
              b:
                command: b-mcp
                mode: shared
                credentials: { env: B_TOKEN, format: "no placeholder" }
              c:
                command: c-mcp
                credentials: { scope: everyone }
            """);
        Assert.False(bad.IsValid);
        var errors = bad.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("servers.a.credentials.env: applies only to stdio servers", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("servers.a.credentials: needs 'header'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("servers.b.credentials.format: must contain {secret}", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("servers.b.credentials.scope: per-user credentials need one process per session", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("servers.c.credentials.scope:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("servers.c.credentials: needs 'env'", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AuditOperations_ReadsEachRuleAndListsWhatIsMissing()
    {
        var good = ConfigParser.Parse("""
            audit:
              operations:
                - { server: notes, tool: "save_*", op: write, path: arguments.file, content: arguments.body }
                - { server: notes, tool: patch, op: edit, path: arguments.file, edits: arguments.changes, oldText: before, newText: after }
                - { server: shell, tool: run, op: exec, command: arguments.cmd }
            """);
        var bad = ConfigParser.Parse("""
            audit:
              operations:
                - { server: notes, tool: save, op: write, path: arguments.file }
                - { tool: x, op: delete, path: arguments.p }
                - { tool: y, op: move, path: file, destination: arguments.to }
            """);

        Assert.True(good.IsValid, string.Join("\n", good.Errors));
        var rules = good.Config!.Audit.Operations;
        Assert.Equal([Warden.Core.Audit.Operations.ToolOperationKind.Write, Warden.Core.Audit.Operations.ToolOperationKind.Edit, Warden.Core.Audit.Operations.ToolOperationKind.Command], rules.Select(r => r.Op));
        Assert.Equal(("arguments.changes", "before", "after"), (rules[1].Edits, rules[1].OldText, rules[1].NewText));
        Assert.Equal(("shell", "run", "arguments.cmd"), (rules[2].Server, rules[2].Tool, rules[2].Command));
        Assert.Contains(bad.Errors, e => e.ToString().Contains("audit.operations[0].content", StringComparison.Ordinal) && e.ToString().Contains("required for op write", StringComparison.Ordinal));
        Assert.Contains(bad.Errors, e => e.ToString().Contains("audit.operations[1].op", StringComparison.Ordinal) && e.ToString().Contains("got 'delete'", StringComparison.Ordinal));
        Assert.Contains(bad.Errors, e => e.ToString().Contains("audit.operations[2].path", StringComparison.Ordinal) && e.ToString().Contains("dotted path", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_InvalidYaml_ReportsLine()
    {
        var result = ConfigParser.Parse("servers:\n  a: [unclosed\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("(yaml)", error.Path);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void Parse_EmptyFile_IsValidWithDefaults()
    {
        var result = ConfigParser.Parse("");

        Assert.True(result.IsValid);
        Assert.Empty(result.Config!.Servers);
        Assert.Equal(["http://127.0.0.1:8787"], result.Config.Listen.Urls);
    }
}
