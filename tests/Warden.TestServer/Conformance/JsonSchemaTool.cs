using System.Text.Json;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>
/// A tool whose inputSchema uses JSON Schema 2020-12 features ($schema, $defs, $anchor, $ref, allOf/anyOf,
/// if/then/else), which a server must publish verbatim (json-schema-2020-12 scenario, SEP-1613/SEP-2106).
/// Built by hand because a C# signature cannot express it.
/// </summary>
internal static class JsonSchemaTool
{
    public static McpServerTool Create()
    {
        var tool = McpServerTool.Create(
            () => "JSON Schema 2020-12 tool executed successfully",
            new McpServerToolCreateOptions
            {
                Name = "json_schema_2020_12_tool",
                Description = "Tool with JSON Schema 2020-12 features ($defs, $anchor, $ref, allOf, if/then/else).",
                ReadOnly = true,
            });

        tool.ProtocolTool.InputSchema = JsonElement.Parse(
            """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "$defs": {
                "address": {
                  "$anchor": "addressDef",
                  "type": "object",
                  "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
                }
              },
              "properties": {
                "name": { "type": "string" },
                "address": { "$ref": "#/$defs/address" },
                "contactMethod": { "type": "string", "enum": ["phone", "email"] },
                "phone": { "type": "string" },
                "email": { "type": "string" }
              },
              "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
              "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
              "then": { "required": ["phone"] },
              "else": { "required": ["email"] },
              "additionalProperties": false
            }
            """);
        return tool;
    }
}
