using System.Globalization;
using System.Text.RegularExpressions;
using Warden.Core.Audit.Operations;
using Warden.Core.Audit.Redaction;
using Warden.Core.Naming;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

/// <summary>
/// Reads warden.yaml into a <see cref="WardenConfig"/>, collecting every problem with its path instead of
/// stopping at the first, so that `warden config validate` can list them all.
/// </summary>
public sealed partial class ConfigParser
{
    private readonly List<ConfigError> _errors = [];
    private readonly Func<string, string?> _environment;
    private readonly Dictionary<string, int?> _dataClassLines = new(StringComparer.Ordinal);

    private ConfigParser(Func<string, string?> environment) => _environment = environment;

    /// <summary>Parses YAML text. Returns the config when there are no errors.</summary>
    public static ConfigParseResult Parse(string yaml, string? sourcePath = null, Func<string, string?>? environment = null)
    {
        var parser = new ConfigParser(environment ?? Environment.GetEnvironmentVariable);
        var config = parser.ParseDocument(yaml, sourcePath);
        return new ConfigParseResult(parser._errors.Count == 0 ? config : null, parser._errors);
    }

    /// <summary>Reads and parses a file; a missing or unreadable file is reported as an error.</summary>
    public static ConfigParseResult ParseFile(string path, Func<string, string?>? environment = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ConfigParseResult(null, [new ConfigError("(file)", $"cannot read '{path}': {ex.Message}")]);
        }

        return Parse(text, Path.GetFullPath(path), environment);
    }

    private WardenConfig ParseDocument(string yaml, string? sourcePath)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            Error("(yaml)", $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}", (int)ex.Start.Line);
            return new WardenConfig { SourcePath = sourcePath };
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new WardenConfig { SourcePath = sourcePath };
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error("(root)", "must be a mapping of sections (listen, sessions, servers, ...)", Line(stream.Documents[0].RootNode));
            return new WardenConfig { SourcePath = sourcePath };
        }

        var config = new WardenConfig { SourcePath = sourcePath };
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "listen": config = config with { Listen = ParseListen(value, "listen") }; break;
                case "sessions": config = config with { Sessions = ParseSessions(value, "sessions") }; break;
                case "limits": config = config with { Limits = ParseLimits(value, "limits") }; break;
                case "audit": config = config with { Audit = ParseAudit(value, "audit") }; break;
                case "servers": config = config with { Servers = ParseServers(value, "servers") }; break;
                case "telemetry": config = config with { Telemetry = ParseTelemetry(value, "telemetry") }; break;
                case "roles": config = config with { Roles = ParseRoles(value, "roles") }; break;
                case "users": config = config with { Users = ParseUsers(value, "users") }; break;
                case "auth": config = config with { Auth = ParseAuth(value, "auth") }; break;
                default: Unknown(key, keyNode, "listen, sessions, limits, audit, servers, telemetry, auth, roles, users"); break;
            }
        }

        CheckDataClasses(config);
        CheckRoles(config);
        CheckAuth(config);
        CheckAuthServer(config);
        return config;
    }

    private ListenConfig ParseListen(YamlNode node, string path)
    {
        var listen = new ListenConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "urls":
                    var urls = StringList(value, p);
                    for (var i = 0; i < urls.Count; i++)
                    {
                        if (!Uri.TryCreate(urls[i], UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
                        {
                            Error($"{p}[{i}]", $"must be an absolute http(s) URL such as http://127.0.0.1:8787, got '{urls[i]}'", Line(value));
                        }
                    }

                    listen = listen with { Urls = urls };
                    break;
                case "allowedHosts": listen = listen with { AllowedHosts = StringList(value, p) }; break;
                case "allowedOrigins": listen = listen with { AllowedOrigins = StringList(value, p) }; break;
                case "publicUrl":
                    var pub = String(value, p);
                    if (pub is not null && !Uri.TryCreate(pub, UriKind.Absolute, out _))
                    {
                        Error(p, $"must be an absolute URL, got '{pub}'", Line(value));
                    }

                    listen = listen with { PublicUrl = pub };
                    break;
                default: Unknown($"{p}", keyNode, "urls, allowedHosts, allowedOrigins, publicUrl"); break;
            }
        }

        return listen;
    }

    private SessionConfig ParseSessions(YamlNode node, string path)
    {
        var sessions = new SessionConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "key":
                    var k = String(value, p);
                    if (k is not null && !IsBase64Key(k))
                    {
                        Error(p, "must be 32 random bytes in base64 (generate one with `openssl rand -base64 32`)", Line(value));
                    }

                    sessions = sessions with { Key = k };
                    break;
                case "idleTimeout": sessions = sessions with { IdleTimeout = Duration(value, p) ?? sessions.IdleTimeout }; break;
                case "maxLifetime": sessions = sessions with { MaxLifetime = Duration(value, p) ?? sessions.MaxLifetime }; break;
                default: Unknown(p, keyNode, "key, idleTimeout, maxLifetime"); break;
            }
        }

        return sessions;
    }

    private LimitsConfig ParseLimits(YamlNode node, string path)
    {
        var limits = new LimitsConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "maxRequestBodyBytes": limits = limits with { MaxRequestBodyBytes = Integer(value, p, 1024, long.MaxValue) ?? limits.MaxRequestBodyBytes }; break;
                case "maxJsonDepth": limits = limits with { MaxJsonDepth = (int)(Integer(value, p, 8, 1000) ?? limits.MaxJsonDepth) }; break;
                default: Unknown(p, keyNode, "maxRequestBodyBytes, maxJsonDepth"); break;
            }
        }

        return limits;
    }

    private AuditConfig ParseAudit(YamlNode node, string path)
    {
        var audit = new AuditConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "database": audit = audit with { Database = String(value, p) ?? audit.Database }; break;
                case "durability":
                    switch (String(value, p))
                    {
                        case "sync": audit = audit with { Durability = AuditDurability.Sync }; break;
                        case "batched": audit = audit with { Durability = AuditDurability.Batched }; break;
                        case { } other: Error(p, $"must be sync or batched, got '{other}'", Line(value)); break;
                    }

                    break;
                case "onFailure":
                    audit = audit with { OnFailure = Enum<AuditFailureMode>(value, p, ("closed", AuditFailureMode.Closed), ("open", AuditFailureMode.Open)) ?? audit.OnFailure };
                    break;
                case "checkpointEvery": audit = audit with { CheckpointEvery = (int)(Integer(value, p, 1, 10_000_000) ?? audit.CheckpointEvery) }; break;
                case "checkpointInterval": audit = audit with { CheckpointInterval = Duration(value, p) ?? audit.CheckpointInterval }; break;
                case "maxOutputChars": audit = audit with { MaxOutputChars = (int)(Integer(value, p, 0, 100_000_000) ?? audit.MaxOutputChars) }; break;
                case "origin": audit = audit with { Origin = String(value, p) ?? audit.Origin }; break;
                case "extract": audit = audit with { Extract = ParseExtract(value, p) }; break;
                case "operations": audit = audit with { Operations = ParseOperations(value, p) }; break;
                case "retention": audit = audit with { Retention = ParseRetention(value, p) }; break;
                case "privacy": audit = audit with { Privacy = ParsePrivacy(value, p) }; break;
                case "redact": audit = audit with { Redact = ParseRedact(value, p) }; break;
                default: Unknown(p, keyNode, "database, durability, onFailure, checkpointEvery, checkpointInterval, maxOutputChars, origin, extract, operations, retention, privacy, redact"); break;
            }
        }

        return audit;
    }

    private RetentionConfig ParseRetention(YamlNode node, string path)
    {
        var retention = new RetentionConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "default":
                    if (Retention(value, p) is var (ok, keep) && ok)
                    {
                        retention = retention with { Default = keep };
                    }

                    break;
                case "servers":
                    var rules = new List<RetentionRule>();
                    foreach (var (glob, ruleValue, globNode) in Entries(value, p))
                    {
                        if (string.IsNullOrWhiteSpace(glob))
                        {
                            Error(p, "a server rule needs a server name or glob such as 'ehr-*'", Line(globNode));
                        }
                        else if (Retention(ruleValue, $"{p}.{glob}") is var (ruleOk, ruleKeep) && ruleOk)
                        {
                            rules.Add(new RetentionRule(glob, ruleKeep));
                        }
                    }

                    retention = retention with { Servers = rules };
                    break;
                case "dataClasses":
                    var classes = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);
                    foreach (var (name, classValue, nameNode) in Entries(value, p))
                    {
                        if (!DataClassPattern().IsMatch(name))
                        {
                            Error($"{p}.{name}", $"data class names use lowercase letters, digits, '-' and '_', got '{name}'", Line(nameNode));
                        }
                        else if (Retention(classValue, $"{p}.{name}") is var (classOk, classKeep) && classOk)
                        {
                            classes[name] = classKeep;
                        }
                    }

                    retention = retention with { DataClasses = classes };
                    break;
                case "pruneInterval": retention = retention with { PruneInterval = Duration(value, p) ?? retention.PruneInterval }; break;
                default: Unknown(p, keyNode, "default, servers, dataClasses, pruneInterval"); break;
            }
        }

        return retention;
    }

    // A retention period: a duration of at least a day, or "forever" (null).
    private (bool Ok, TimeSpan? Keep) Retention(YamlNode node, string path)
    {
        var text = String(node, path);
        if (text is "forever")
        {
            return (true, null);
        }

        if (text is not null && DurationParser.TryParse(text, out var keep) && keep >= TimeSpan.FromDays(1))
        {
            return (true, keep);
        }

        Error(path, $"must be a retention period of at least 1d such as 30d, 52w or 6y, or 'forever', got '{text}'", Line(node));
        return (false, null);
    }

    private PrivacyConfig ParsePrivacy(YamlNode node, string path)
    {
        var privacy = new PrivacyConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "encryptContent": privacy = privacy with { EncryptContent = Boolean(value, p) ?? privacy.EncryptContent }; break;
                default: Unknown(p, keyNode, "encryptContent"); break;
            }
        }

        return privacy;
    }

    // A server's data class must have a retention rule: an unknown class is most likely a typo that would keep
    // (or drop) regulated records on the default schedule.
    private void CheckDataClasses(WardenConfig config)
    {
        foreach (var server in config.Servers.Values)
        {
            if (server.DataClass is { } dataClass && !config.Audit.Retention.DataClasses.ContainsKey(dataClass))
            {
                var known = config.Audit.Retention.DataClasses.Count == 0 ? "none is defined" : "known: " + string.Join(", ", config.Audit.Retention.DataClasses.Keys);
                Error($"servers.{server.Name}.dataClass", $"'{dataClass}' has no retention rule in audit.retention.dataClasses ({known}); add one, e.g. `{dataClass}: 6y`, or fix the name", _dataClassLines.GetValueOrDefault(server.Name));
            }
        }
    }

    private TelemetryConfig ParseTelemetry(YamlNode node, string path)
    {
        var telemetry = new TelemetryConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "serviceName":
                    var name = String(value, p);
                    if (string.IsNullOrWhiteSpace(name))
                    {
                        Error(p, "must name the service as your tracing backend should show it, e.g. warden", Line(value));
                    }
                    else
                    {
                        telemetry = telemetry with { ServiceName = name };
                    }

                    break;
                case "prometheus": telemetry = telemetry with { Prometheus = Boolean(value, p) ?? telemetry.Prometheus }; break;
                case "otlp": telemetry = telemetry with { Otlp = ParseOtlp(value, p) }; break;
                default: Unknown(p, keyNode, "serviceName, prometheus, otlp"); break;
            }
        }

        return telemetry;
    }

    private OtlpConfig? ParseOtlp(YamlNode node, string path)
    {
        Uri? endpoint = null;
        var otlp = new OtlpConfig { Endpoint = new Uri("http://localhost:4317") };
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "endpoint":
                    var url = String(value, p);
                    if (!Uri.TryCreate(url, UriKind.Absolute, out endpoint) || (endpoint.Scheme != "http" && endpoint.Scheme != "https"))
                    {
                        Error(p, $"must be the collector's absolute http(s) URL such as http://otel-collector:4317, got '{url}'", Line(value));
                        endpoint = null;
                    }

                    break;
                case "protocol":
                    otlp = otlp with { Protocol = Enum<OtlpProtocol>(value, p, ("grpc", OtlpProtocol.Grpc), ("http/protobuf", OtlpProtocol.HttpProtobuf)) ?? otlp.Protocol };
                    break;
                case "headers":
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (header, headerValue) in StringMap(value, p))
                    {
                        // Only the name is echoed: the value is usually a credential.
                        if (!HeaderNamePattern().IsMatch(header))
                        {
                            Error($"{p}.{header}", "is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)", Line(value));
                        }
                        else if (headerValue.Any(c => c is '\r' or '\n'))
                        {
                            Error($"{p}.{header}", "must be a single line (the value is not shown here because it may be a secret)", Line(value));
                        }
                        else
                        {
                            headers[header] = headerValue;
                        }
                    }

                    otlp = otlp with { Headers = headers };
                    break;
                case "traces": otlp = otlp with { Traces = Boolean(value, p) ?? otlp.Traces }; break;
                case "metrics": otlp = otlp with { Metrics = Boolean(value, p) ?? otlp.Metrics }; break;
                case "metricsInterval": otlp = otlp with { MetricsInterval = Duration(value, p) ?? otlp.MetricsInterval }; break;
                case "timeout": otlp = otlp with { Timeout = Duration(value, p) ?? otlp.Timeout }; break;
                case "sampleRatio":
                    var text = String(value, p);
                    if (text is not null)
                    {
                        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1)
                        {
                            otlp = otlp with { SampleRatio = ratio };
                        }
                        else
                        {
                            Error(p, $"must be a number from 0 to 1 (the share of new traces recorded), got '{text}'", Line(value));
                        }
                    }

                    break;
                default: Unknown(p, keyNode, "endpoint, protocol, headers, traces, metrics, metricsInterval, timeout, sampleRatio"); break;
            }
        }

        if (endpoint is null)
        {
            if (!_errors.Any(e => e.Path == $"{path}.endpoint"))
            {
                Error($"{path}.endpoint", "is required: the collector's URL, e.g. http://otel-collector:4317 (grpc) or http://otel-collector:4318 (http/protobuf)", Line(node));
            }

            return null;
        }

        return otlp with { Endpoint = endpoint };
    }

    private List<ExtractRule> ParseExtract(YamlNode node, string path)
    {
        var rules = new List<ExtractRule>();
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, "must be a list of rules like {server: db, tool: query, kind: sql, from: arguments.sql}", Line(node));
            return rules;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var p = $"{path}[{i}]";
            string server = "*", tool = "*";
            string? kind = null, from = null;
            foreach (var (key, value, keyNode) in Entries(sequence.Children[i], p))
            {
                switch (key)
                {
                    case "server": server = String(value, $"{p}.server") ?? server; break;
                    case "tool": tool = String(value, $"{p}.tool") ?? tool; break;
                    case "kind": kind = String(value, $"{p}.kind"); break;
                    case "from": from = String(value, $"{p}.from"); break;
                    default: Unknown($"{p}.{key}", keyNode, "server, tool, kind, from"); break;
                }
            }

            if (string.IsNullOrWhiteSpace(kind))
            {
                Error($"{p}.kind", "is required: sql, file, url, mailbox, search, or your own resource kind", Line(sequence.Children[i]));
            }

            if (from is null || !(from.StartsWith("arguments.", StringComparison.Ordinal) || from.StartsWith("result.", StringComparison.Ordinal)))
            {
                Error($"{p}.from", $"must be a dotted path starting with 'arguments.' or 'result.', got '{from}'", Line(sequence.Children[i]));
            }
            else if (kind is not null)
            {
                rules.Add(new ExtractRule(server, tool, kind, from));
            }
        }

        return rules;
    }

    private List<OperationRule> ParseOperations(YamlNode node, string path)
    {
        var rules = new List<OperationRule>();
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, "must be a list of rules like {server: notes, tool: save, op: write, path: arguments.file, content: arguments.text}", Line(node));
            return rules;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var p = $"{path}[{i}]";
            string server = "*", tool = "*";
            string? op = null;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value, keyNode) in Entries(sequence.Children[i], p))
            {
                switch (key)
                {
                    case "server": server = String(value, $"{p}.server") ?? server; break;
                    case "tool": tool = String(value, $"{p}.tool") ?? tool; break;
                    case "op": op = String(value, $"{p}.op"); break;
                    case "path" or "content" or "edits" or "oldText" or "newText" or "destination" or "command":
                        if (String(value, $"{p}.{key}") is { } text)
                        {
                            fields[key] = text;
                        }

                        break;
                    default: Unknown($"{p}.{key}", keyNode, "server, tool, op, path, content, edits, oldText, newText, destination, command"); break;
                }
            }

            var line = Line(sequence.Children[i]);
            ToolOperationKind? kind = op switch
            {
                "read" => ToolOperationKind.Read,
                "write" => ToolOperationKind.Write,
                "edit" => ToolOperationKind.Edit,
                "move" => ToolOperationKind.Move,
                "mkdir" => ToolOperationKind.CreateDirectory,
                "exec" => ToolOperationKind.Command,
                _ => null,
            };
            if (kind is null)
            {
                Error($"{p}.op", $"must be read, write, edit, move, mkdir or exec, got '{op}'", line);
                continue;
            }

            // Which fields each operation needs; with 'edits', oldText/newText name the fields of each edit, not paths.
            string[] required = kind switch
            {
                ToolOperationKind.Write => ["path", "content"],
                ToolOperationKind.Edit => fields.ContainsKey("edits") ? ["path", "edits"] : ["path", "oldText", "newText"],
                ToolOperationKind.Move => ["path", "destination"],
                ToolOperationKind.Command => ["command"],
                _ => ["path"],
            };
            var valid = true;
            foreach (var name in required.Where(n => !fields.ContainsKey(n)))
            {
                Error($"{p}.{name}", $"is required for op {op}", line);
                valid = false;
            }

            foreach (var (name, value) in fields)
            {
                var isFieldName = fields.ContainsKey("edits") && name is "oldText" or "newText";
                if (!isFieldName && !(value.StartsWith("arguments.", StringComparison.Ordinal) || value.StartsWith("result.", StringComparison.Ordinal)))
                {
                    Error($"{p}.{name}", $"must be a dotted path starting with 'arguments.' or 'result.', got '{value}'", line);
                    valid = false;
                }
            }

            if (valid)
            {
                rules.Add(new OperationRule(server, tool, kind.Value)
                {
                    Path = fields.GetValueOrDefault("path"),
                    Content = fields.GetValueOrDefault("content"),
                    Edits = fields.GetValueOrDefault("edits"),
                    OldText = fields.GetValueOrDefault("oldText"),
                    NewText = fields.GetValueOrDefault("newText"),
                    Destination = fields.GetValueOrDefault("destination"),
                    Command = fields.GetValueOrDefault("command"),
                });
            }
        }

        return rules;
    }

    private List<RedactPattern> ParseRedact(YamlNode node, string path)
    {
        var patterns = new List<RedactPattern>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, "must be a list of patterns like {name: acme-key, pattern: 'acme_[a-z0-9]{32}'}", Line(node));
            return patterns;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var p = $"{path}[{i}]";
            string? name = null, pattern = null;
            foreach (var (key, value, keyNode) in Entries(sequence.Children[i], p))
            {
                switch (key)
                {
                    case "name": name = String(value, $"{p}.name"); break;
                    case "pattern": pattern = String(value, $"{p}.pattern"); break;
                    default: Unknown($"{p}.{key}", keyNode, "name, pattern"); break;
                }
            }

            var line = Line(sequence.Children[i]);
            if (name is null || !RedactNamePattern().IsMatch(name))
            {
                Error($"{p}.name", $"must be lowercase letters, digits and '-' (at most 64; it appears in markers such as [REDACTED:acme-key]), got '{name}'", line);
            }
            else if (SecretRedactor.BuiltInRuleNames.Contains(name) || !names.Add(name))
            {
                Error($"{p}.name", $"'{name}' is already the name of {(SecretRedactor.BuiltInRuleNames.Contains(name) ? "a built-in rule" : "another audit.redact pattern")}; choose another", line);
            }

            if (string.IsNullOrEmpty(pattern))
            {
                Error($"{p}.pattern", "is required: a regular expression such as 'acme_[a-z0-9]{32}' (mask only part of a match with a group named 'secret')", line);
            }
            else if (SecretRedactor.PatternProblem(pattern) is { } problem)
            {
                Error($"{p}.pattern", problem, line);
            }
            else if (name is not null)
            {
                patterns.Add(new RedactPattern(name, pattern));
            }
        }

        return patterns;
    }

    private Dictionary<string, ServerConfig> ParseServers(YamlNode node, string path)
    {
        var servers = new Dictionary<string, ServerConfig>(StringComparer.Ordinal);
        foreach (var (name, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{name}";
            if (!ServerName.IsValid(name))
            {
                Error(p, $"server names use letters, digits, '-' and single '_' (at most 64, no '{QualifiedName.Separator}'), got '{name}'", Line(keyNode));
                continue;
            }

            if (ParseServer(name, value, p) is { } server)
            {
                servers[name] = server;
            }
        }

        return servers;
    }

    private ServerConfig? ParseServer(string name, YamlNode node, string path)
    {
        var fields = Entries(node, path).ToList();
        var hasCommand = fields.Any(f => f.Key == "command");
        var hasUrl = fields.Any(f => f.Key == "url");
        if (hasCommand == hasUrl)
        {
            Error(path, hasCommand
                ? "has both 'command' (stdio) and 'url' (HTTP); keep exactly one"
                : "needs either 'command' (a stdio server Warden starts) or 'url' (an HTTP MCP server)", Line(node));
            return null;
        }

        var server = new ServerConfig { Name = name, Kind = hasCommand ? UpstreamKind.Stdio : UpstreamKind.Http };
        var stdioOnly = new[] { "args", "env", "cwd", "mode" };
        var httpOnly = new[] { "transport", "headers" };
        foreach (var (key, value, keyNode) in fields)
        {
            var p = $"{path}.{key}";
            if (hasUrl && stdioOnly.Contains(key))
            {
                Error(p, "applies only to stdio servers (with 'command'), not to HTTP servers", Line(keyNode));
                continue;
            }

            if (hasCommand && httpOnly.Contains(key))
            {
                Error(p, "applies only to HTTP servers (with 'url'), not to stdio servers", Line(keyNode));
                continue;
            }

            switch (key)
            {
                case "command":
                    var command = String(value, p);
                    if (string.IsNullOrWhiteSpace(command))
                    {
                        Error(p, "must name the program to start, e.g. 'npx' or '/usr/local/bin/my-server'", Line(value));
                    }

                    server = server with { Command = command };
                    break;
                case "args": server = server with { Args = StringList(value, p) }; break;
                case "env": server = server with { Env = StringMap(value, p) }; break;
                case "cwd": server = server with { WorkingDirectory = String(value, p) }; break;
                case "mode": server = server with { Mode = Enum<StdioMode>(value, p, ("session", StdioMode.Session), ("shared", StdioMode.Shared)) ?? server.Mode }; break;
                case "url":
                    var url = String(value, p);
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                    {
                        Error(p, $"must be an absolute http(s) URL, got '{url}'", Line(value));
                    }
                    else
                    {
                        server = server with { Url = uri };
                    }

                    break;
                case "transport":
                    server = server with
                    {
                        Transport = Enum<HttpTransport>(value, p, ("auto", HttpTransport.Auto), ("streamable-http", HttpTransport.StreamableHttp), ("sse", HttpTransport.Sse)) ?? server.Transport,
                    };
                    break;
                case "headers": server = server with { Headers = StringMap(value, p) }; break;
                case "timeout": server = server with { Timeout = Duration(value, p) ?? server.Timeout }; break;
                case "connectTimeout": server = server with { ConnectTimeout = Duration(value, p) ?? server.ConnectTimeout }; break;
                case "idleTimeout": server = server with { IdleTimeout = Duration(value, p) ?? server.IdleTimeout }; break;
                case "protocolVersion":
                    var version = String(value, p);
                    if (version is not null && !ProtocolVersionPattern().IsMatch(version))
                    {
                        Error(p, $"must be a protocol revision date such as 2025-11-25, got '{version}'", Line(value));
                    }

                    server = server with { ProtocolVersion = version };
                    break;
                case "enabled": server = server with { Enabled = Boolean(value, p) ?? true }; break;
                case "description": server = server with { Description = String(value, p) }; break;
                case "credentials": server = server with { Credentials = ParseCredentials(value, p, hasCommand) }; break;
                case "dataClass":
                    var dataClass = String(value, p);
                    if (dataClass is not null && !DataClassPattern().IsMatch(dataClass))
                    {
                        Error(p, $"data class names use lowercase letters, digits, '-' and '_', got '{dataClass}'", Line(value));
                    }

                    _dataClassLines[name] = Line(value);
                    server = server with { DataClass = dataClass };
                    break;
                default:
                    Unknown(p, keyNode, "command, args, env, cwd, mode, url, transport, headers, timeout, connectTimeout, idleTimeout, protocolVersion, enabled, description, dataClass, credentials");
                    break;
            }
        }

        CheckCredentials(server, path, Line(node));
        return server;
    }

    // ---- scalar readers -------------------------------------------------------------------------

    private IEnumerable<(string Key, YamlNode Value, YamlNode KeyNode)> Entries(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: null or "" or "~" })
        {
            yield break;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(path, "must be a mapping (key: value lines)", Line(node));
            yield break;
        }

        foreach (var (k, v) in mapping.Children)
        {
            yield return (((YamlScalarNode)k).Value ?? "", v, k);
        }
    }

    private string? String(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(path, "must be a single value, not a list or mapping", Line(node));
            return null;
        }

        if (scalar.Value is null || (scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null"))
        {
            return null;
        }

        return Expand(scalar.Value, path, node);
    }

    private List<string> StringList(YamlNode node, string path)
    {
        if (node is YamlScalarNode single)
        {
            return String(single, path) is { } one ? [one] : [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(path, "must be a list", Line(node));
            return [];
        }

        var list = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (String(sequence.Children[i], $"{path}[{i}]") is { } item)
            {
                list.Add(item);
            }
        }

        return list;
    }

    private Dictionary<string, string> StringMap(YamlNode node, string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value, _) in Entries(node, path))
        {
            map[key] = String(value, $"{path}.{key}") ?? "";
        }

        return map;
    }

    private TimeSpan? Duration(YamlNode node, string path)
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        if (DurationParser.TryParse(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        Error(path, $"must be a positive duration such as 500ms, 30s, 10m, 2h or 1d, got '{text}'", Line(node));
        return null;
    }

    private long? Integer(YamlNode node, string path, long min, long max)
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(path, $"must be a whole number from {min} to {max}, got '{text}'", Line(node));
        return null;
    }

    private bool? Boolean(YamlNode node, string path)
    {
        var text = String(node, path);
        switch (text)
        {
            case null: return null;
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
            default:
                Error(path, $"must be true or false, got '{text}'", Line(node));
                return null;
        }
    }

    private T? Enum<T>(YamlNode node, string path, params (string Name, T Value)[] choices)
        where T : struct
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        Error(path, $"must be one of {string.Join(", ", choices.Select(c => c.Name))}, got '{text}'", Line(node));
        return null;
    }

    // ${NAME} or ${NAME:-default} from the environment, so secrets stay out of the file.
    private string Expand(string value, string path, YamlNode node)
    {
        if (!value.Contains("${", StringComparison.Ordinal))
        {
            return value;
        }

        return VariablePattern().Replace(value, match =>
        {
            var name = match.Groups["name"].Value;
            var fallback = match.Groups["default"];
            var resolved = _environment(name);
            if (!string.IsNullOrEmpty(resolved))
            {
                return resolved;
            }

            if (fallback.Success)
            {
                return fallback.Value;
            }

            Error(path, $"refers to environment variable {name}, which is not set (set it, or write ${{{name}:-default}})", Line(node));
            return "";
        });
    }

    private static bool IsBase64Key(string text)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32;
    }

    private void Unknown(string path, YamlNode keyNode, string expected) =>
        Error(path, $"is not a known setting (expected one of: {expected})", Line(keyNode));

    private void Error(string path, string message, int? line) => _errors.Add(new ConfigError(path, message, line));

    private static int? Line(YamlNode node) => node.Start.Line > 0 ? (int)node.Start.Line : null;

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex RedactNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")]
    private static partial Regex HeaderNamePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex ProtocolVersionPattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex DataClassPattern();
}

/// <summary>The outcome of parsing: a config when there were no errors, and every error found.</summary>
public sealed record ConfigParseResult(WardenConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    public bool IsValid => Config is not null;
}
