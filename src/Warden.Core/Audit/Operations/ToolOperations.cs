using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Core.Audit.Extraction;
using Warden.Core.Configuration;

namespace Warden.Core.Audit.Operations;

/// <summary>
/// Reads audit records as file and process operations: configured <c>audit.operations</c> rules first, then the
/// tools Warden knows — the reference filesystem MCP server's (<c>read_file</c>, <c>read_text_file</c>,
/// <c>write_file</c>, <c>edit_file</c>, <c>move_file</c>, <c>create_directory</c>), common command tools
/// (<c>run_command</c>, <c>execute_command</c>, … with a <c>command</c> argument) and the built-in tools agents
/// report through hooks (<c>Read</c>, <c>Write</c>, <c>Edit</c>, <c>MultiEdit</c>, <c>Bash</c>). A built-in tool
/// counts only when its arguments have the expected shape, so a same-named tool of another server is not misread.
/// </summary>
public sealed class ToolOperations(IReadOnlyList<OperationRule> rules)
{
    private static readonly HashSet<string> CommandTools = new(StringComparer.OrdinalIgnoreCase)
    {
        "run_command", "execute_command", "run_terminal_cmd", "run_shell_command", "shell", "bash", "exec", "execute_shell", "shell_exec", "run_shell",
    };

    public static ToolOperations Default { get; } = new([]);

    /// <summary>The operation the record's tool call performed, or null when it is not a known file or command tool.</summary>
    public ToolOperation? Classify(AuditRecord record)
    {
        var tool = record.Source switch
        {
            AuditSource.Mcp when record.Input.Method == "tools/call" => record.Input.Name,
            AuditSource.Hook => record.Input.Method,
            _ => null,
        };
        if (tool is null)
        {
            return null;
        }

        var arguments = record.Input.Arguments as JsonObject;
        foreach (var rule in rules)
        {
            if (rule.Matches(record.Input.Server, tool))
            {
                return FromRule(rule, arguments, Result(record));
            }
        }

        return record.Source == AuditSource.Hook ? HookTool(tool, arguments) : McpTool(tool, arguments, record);
    }

    /// <summary>The text a tool result carries: <c>structuredContent.content</c> when it is a string, else its text blocks joined.</summary>
    public static string? ResultText(JsonNode? result)
    {
        if (result is not JsonObject obj)
        {
            return null;
        }

        if (Text(obj["structuredContent"]?["content"]) is { } structured)
        {
            return structured;
        }

        if (obj["content"] is not JsonArray blocks)
        {
            return null;
        }

        var texts = blocks.OfType<JsonObject>().Where(b => Text(b["type"]) == "text").Select(b => Text(b["text"])).OfType<string>().ToList();
        return texts.Count == 0 ? null : string.Concat(texts);
    }

    /// <summary>The record's result as JSON when the record holds all of it (not cut, no error), else null.</summary>
    public static JsonNode? Result(AuditRecord record)
    {
        if (record.Output is not { Truncated: false, Error: null, Content: { } content })
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ToolOperation? McpTool(string tool, JsonObject? a, AuditRecord record)
    {
        if (a is null)
        {
            return null;
        }

        var path = Text(a["path"]);
        switch (tool)
        {
            case "read_file" or "read_text_file" when path is not null:
                var partial = a["head"] is not null || a["tail"] is not null;
                return new ToolOperation { Kind = ToolOperationKind.Read, Path = Normalize(path), Partial = partial, Content = partial ? null : ResultText(Result(record)) };
            case "read_media_file" when path is not null:
                return new ToolOperation { Kind = ToolOperationKind.Read, Path = Normalize(path) };
            case "write_file" when path is not null && Text(a["content"]) is { } content:
                return new ToolOperation { Kind = ToolOperationKind.Write, Path = Normalize(path), Content = content };
            case "edit_file" when path is not null && Edits(a["edits"], "oldText", "newText") is { } edits:
                return new ToolOperation { Kind = ToolOperationKind.Edit, Path = Normalize(path), Edits = edits, DryRun = a["dryRun"] is JsonValue dry && dry.TryGetValue<bool>(out var isDry) && isDry };
            case "move_file" when Text(a["source"]) is { } source && Text(a["destination"]) is { } destination:
                return new ToolOperation { Kind = ToolOperationKind.Move, Path = Normalize(source), Destination = Normalize(destination) };
            case "create_directory" when path is not null:
                return new ToolOperation { Kind = ToolOperationKind.CreateDirectory, Path = Normalize(path) };
        }

        return CommandTools.Contains(tool) && CommandLine(a["command"] ?? a["cmd"]) is { } command
            ? new ToolOperation { Kind = ToolOperationKind.Command, Command = command }
            : null;
    }

    // The input shapes of Claude Code's built-in tools, as its hooks report them.
    private static ToolOperation? HookTool(string tool, JsonObject? a)
    {
        if (a is null)
        {
            return null;
        }

        var path = Text(a["file_path"]);
        return tool switch
        {
            "Read" when path is not null => new ToolOperation { Kind = ToolOperationKind.Read, Path = Normalize(path), Partial = a["offset"] is not null || a["limit"] is not null },
            "Write" when path is not null && Text(a["content"]) is { } content => new ToolOperation { Kind = ToolOperationKind.Write, Path = Normalize(path), Content = content },
            "Edit" when path is not null && Text(a["old_string"]) is { } old && Text(a["new_string"]) is { } @new =>
                new ToolOperation { Kind = ToolOperationKind.Edit, Path = Normalize(path), Edits = [new TextEdit(old, @new, IsTrue(a["replace_all"]))] },
            "MultiEdit" when path is not null && Edits(a["edits"], "old_string", "new_string") is { } edits =>
                new ToolOperation { Kind = ToolOperationKind.Edit, Path = Normalize(path), Edits = edits },
            "Bash" when CommandLine(a["command"]) is { } command => new ToolOperation { Kind = ToolOperationKind.Command, Command = command },
            _ => null,
        };
    }

    private static ToolOperation? FromRule(OperationRule rule, JsonObject? arguments, JsonNode? result)
    {
        JsonNode? At(string? path) => path is null ? null : Select(path.StartsWith("result.", StringComparison.Ordinal) ? result : arguments, path);
        var path = Text(At(rule.Path)) is { } p ? Normalize(p) : null;
        switch (rule.Op)
        {
            case ToolOperationKind.Command:
                return CommandLine(At(rule.Command)) is { } command ? new ToolOperation { Kind = ToolOperationKind.Command, Command = command } : null;
            case ToolOperationKind.Move:
                return path is not null && Text(At(rule.Destination)) is { } destination
                    ? new ToolOperation { Kind = ToolOperationKind.Move, Path = path, Destination = Normalize(destination) }
                    : null;
            case ToolOperationKind.Edit when path is not null:
                var edits = rule.Edits is not null
                    ? Edits(At(rule.Edits), rule.OldText ?? "oldText", rule.NewText ?? "newText")
                    : Text(At(rule.OldText)) is { } old && Text(At(rule.NewText)) is { } @new ? [new TextEdit(old, @new)] : null;
                return edits is null ? null : new ToolOperation { Kind = ToolOperationKind.Edit, Path = path, Edits = edits };
            case ToolOperationKind.Read or ToolOperationKind.Write or ToolOperationKind.CreateDirectory when path is not null:
                return new ToolOperation { Kind = rule.Op, Path = path, Content = Text(At(rule.Content)) };
            default:
                return null;
        }
    }

    private static List<TextEdit>? Edits(JsonNode? node, string oldField, string newField)
    {
        if (node is not JsonArray array || array.Count == 0)
        {
            return null;
        }

        var edits = new List<TextEdit>();
        foreach (var item in array)
        {
            if (item is not JsonObject edit || Text(edit[oldField]) is not { } old || Text(edit[newField]) is not { } @new)
            {
                return null;
            }

            edits.Add(new TextEdit(old, @new, IsTrue(edit["replace_all"])));
        }

        return edits;
    }

    // "arguments.a.b" / "result.structuredContent.x": the first segment names the root.
    private static JsonNode? Select(JsonNode? root, string path)
    {
        var node = root;
        foreach (var part in path.Split('.').Skip(1))
        {
            node = (node as JsonObject)?[part];
        }

        return node;
    }

    private static string? CommandLine(JsonNode? node) => node switch
    {
        JsonArray parts when parts.All(p => Text(p) is not null) => string.Join(' ', parts.Select(p => Text(p)!)),
        _ => Text(node),
    };

    private static string Normalize(string path) => PathNormalizer.Normalize(path);

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
