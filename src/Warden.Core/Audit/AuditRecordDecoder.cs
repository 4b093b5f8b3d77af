using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Core.Audit.Privacy;

namespace Warden.Core.Audit;

/// <summary>
/// Reads an <see cref="AuditRecord"/> back from its JSON (<see cref="AuditRecordEncoder.Encode"/>). Strict: an unknown
/// field, a wrong type or another schema version is a <see cref="FormatException"/>, because a field this code
/// dropped would change the record's hash.
/// </summary>
public static class AuditRecordDecoder
{
    /// <summary>Decodes one record from UTF-8 JSON.</summary>
    public static AuditRecord Decode(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            using var document = JsonDocument.ParseValue(ref reader);
            return FromElement(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"An audit record is not valid JSON: {ex.Message}", ex);
        }
    }

    private static AuditRecord FromElement(JsonElement e)
    {
        var o = new Fields(e, "record");
        var version = (int)o.Long("schema_version");
        if (version != AuditRecord.CurrentSchemaVersion)
        {
            throw new FormatException($"The audit record has schema_version {version}; this Warden reads version {AuditRecord.CurrentSchemaVersion}. Verify it with a Warden at least as new as the one that wrote it.");
        }

        if (o.OptionalObject("pruned") is { } pruned)
        {
            return ReadTombstone(o, pruned);
        }

        var record = new AuditRecord
        {
            SchemaVersion = version,
            Seq = o.Long("seq"),
            Id = o.String("id"),
            Timestamp = ParseTimestamp(o.String("timestamp")),
            DurationMicros = o.Long("duration_us"),
            Source = o.String("source") switch
            {
                "mcp" => AuditSource.Mcp,
                "hook" => AuditSource.Hook,
                "llm" => AuditSource.Llm,
                "admin" => AuditSource.Admin,
                "auth" => AuditSource.Auth,
                var other => throw new FormatException($"Unknown audit source '{other}'."),
            },
            SessionId = o.OptionalString("session_id"),
            RequestId = o.OptionalString("request_id"),
            TraceId = o.OptionalString("trace_id"),
            Input = ReadInput(o.Object("input")),
            Output = o.OptionalObject("output") is { } output ? ReadOutput(output) : null,
            DataAccessed = o.Array("data").Select(ReadResource).ToArray(),
            Model = o.OptionalObject("model") is { } model ? ReadModel(model) : null,
            User = ReadUser(o.Object("user")),
            Decision = ReadDecision(o.Object("decision")),
            Redactions = o.OptionalObject("redactions") is { } redactions ? ReadRedactions(redactions) : null,
            PrevHash = o.String("prev_hash"),
            Hash = o.OptionalString("hash") ?? "",
            Sealed = o.OptionalObject("sealed") is { } sealedFields ? ReadSealed(sealedFields) : null,
        };
        o.EnsureAllRead();
        if (record.Sealed is { } groups)
        {
            CheckSealedPlaces(record, groups);
        }

        return record;
    }

    private static AuditRecord ReadTombstone(Fields o, JsonElement pruned)
    {
        var p = new Fields(pruned, "pruned");
        var tombstone = new AuditTombstone(ParseTimestamp(p.String("at")), p.String("leaf_hash"));
        p.EnsureAllRead();
        var record = AuditRecord.Tombstone(o.Long("seq"), o.String("id"), ParseTimestamp(o.String("timestamp")), o.String("prev_hash"), o.OptionalString("hash") ?? "", tombstone.LeafHash, tombstone.At);
        o.EnsureAllRead();
        return record;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string>> ReadSealed(JsonElement e)
    {
        var groups = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var group in e.EnumerateObject())
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            if (group.Value.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"sealed.{group.Name} must be an object of field path to ciphertext.");
            }

            foreach (var field in group.Value.EnumerateObject())
            {
                if (!SealedField.All.Contains(field.Name))
                {
                    throw new FormatException($"sealed.{group.Name} names '{field.Name}', which is not a field Warden seals.");
                }

                if (!fields.TryAdd(field.Name, Fields.AsString(field.Value, $"sealed.{group.Name}.{field.Name}")))
                {
                    throw new FormatException($"sealed.{group.Name} has the field '{field.Name}' twice.");
                }
            }

            if (!groups.TryAdd(group.Name, fields))
            {
                throw new FormatException($"sealed has the pseudonym '{group.Name}' twice.");
            }
        }

        return groups;
    }

    // A sealed field is in the record once: encrypted in "sealed" and, for the identities, as a pseudonym in its place.
    private static void CheckSealedPlaces(AuditRecord record, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> groups)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (pseudonym, fields) in groups)
        {
            foreach (var path in fields.Keys)
            {
                if (!seen.Add(path))
                {
                    throw new FormatException($"sealed holds '{path}' under two pseudonyms.");
                }

                var inPlace = path switch
                {
                    SealedField.Subject => record.User.Subject,
                    SealedField.OnBehalfOf => record.User.OnBehalfOf,
                    SealedField.DisplayName => record.User.DisplayName,
                    SealedField.Arguments => record.Input.Arguments is null ? null : "",
                    SealedField.Prompt => record.Input.Prompt,
                    SealedField.Justification => record.Input.Justification,
                    SealedField.Content => record.Output?.Content,
                    SealedField.ContentSha256 => record.Output?.ContentSha256,
                    _ => record.Output?.Diff,
                };
                if (SealedField.KeepsPseudonym(path) ? inPlace != pseudonym : inPlace is not null)
                {
                    throw new FormatException(SealedField.KeepsPseudonym(path)
                        ? $"{path} must be the pseudonym '{pseudonym}' that seals it."
                        : $"{path} is both sealed and in clear.");
                }
            }
        }
    }

    private static AuditInput ReadInput(JsonElement e)
    {
        var o = new Fields(e, "input");
        var input = new AuditInput
        {
            Method = o.String("method"),
            Name = o.OptionalString("name"),
            Arguments = o.Optional("arguments") is { } arguments ? JsonNode.Parse(arguments.GetRawText()) : null,
            Prompt = o.OptionalString("prompt"),
            Justification = o.OptionalString("justification"),
            Server = o.OptionalString("server"),
        };
        o.EnsureAllRead();
        return input;
    }

    private static AuditOutput ReadOutput(JsonElement e)
    {
        var o = new Fields(e, "output");
        var output = new AuditOutput
        {
            Content = o.OptionalString("content"),
            ContentSha256 = o.OptionalString("content_sha256"),
            Diff = o.OptionalString("diff"),
            Error = o.OptionalString("error"),
            ExitCode = o.Optional("exit_code") is { } code ? checked((int)Fields.AsLong(code, "output.exit_code")) : null,
            Truncated = o.Boolean("truncated"),
        };
        o.EnsureAllRead();
        return output;
    }

    private static AuditResource ReadResource(JsonElement e)
    {
        var o = new Fields(e, "data[]");
        var resource = new AuditResource
        {
            Kind = o.String("kind"),
            Value = o.String("value"),
            Rows = o.Optional("rows") is { } rows ? Fields.AsLong(rows, "data[].rows") : null,
            Attributes = o.OptionalObject("attributes") is { } attributes
                ? attributes.EnumerateObject().ToDictionary(p => p.Name, p => Fields.AsString(p.Value, "data[].attributes." + p.Name), StringComparer.Ordinal)
                : null,
        };
        o.EnsureAllRead();
        return resource;
    }

    private static Dictionary<string, int> ReadRedactions(JsonElement e)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var rule in e.EnumerateObject())
        {
            var count = Fields.AsLong(rule.Value, "redactions." + rule.Name);
            if (count is < 1 or > int.MaxValue || !counts.TryAdd(rule.Name, (int)count))
            {
                throw new FormatException($"redactions.{rule.Name} must appear once, as a count of at least 1.");
            }
        }

        // An empty object would encode as no field at all, changing the hash: only a writer that was not Warden makes one.
        return counts.Count > 0 ? counts : throw new FormatException("redactions must be absent when nothing was redacted, not empty.");
    }

    private static AuditModelIdentity ReadModel(JsonElement e)
    {
        var o = new Fields(e, "model");
        var model = new AuditModelIdentity
        {
            Agent = o.OptionalString("agent"),
            AgentVersion = o.OptionalString("agent_version"),
            Model = o.OptionalString("model"),
            ModelVersion = o.OptionalString("model_version"),
        };
        o.EnsureAllRead();
        return model;
    }

    private static AuditUserIdentity ReadUser(JsonElement e)
    {
        var o = new Fields(e, "user");
        var user = new AuditUserIdentity
        {
            Subject = o.String("subject"),
            DisplayName = o.OptionalString("display_name"),
            Roles = o.Array("roles").Select(r => Fields.AsString(r, "user.roles[]")).ToArray(),
            AuthMethod = o.String("auth_method"),
            OnBehalfOf = o.OptionalString("on_behalf_of"),
            CredentialId = o.OptionalString("credential_id"),
        };
        o.EnsureAllRead();
        return user;
    }

    private static AuditDecision ReadDecision(JsonElement e)
    {
        var o = new Fields(e, "decision");
        var decision = new AuditDecision
        {
            Effect = o.String("effect") switch
            {
                "allow" => AuditEffect.Allow,
                "deny" => AuditEffect.Deny,
                var other => throw new FormatException($"Unknown decision effect '{other}'."),
            },
            Mode = o.String("mode") switch
            {
                "enforce" => AuditMode.Enforce,
                "monitor" => AuditMode.Monitor,
                var other => throw new FormatException($"Unknown decision mode '{other}'."),
            },
            Reason = o.OptionalString("reason"),
            RuleIds = o.Array("rule_ids").Select(r => Fields.AsString(r, "decision.rule_ids[]")).ToArray(),
        };
        o.EnsureAllRead();
        return decision;
    }

    private static DateTimeOffset ParseTimestamp(string text)
    {
        if (!DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp))
        {
            throw new FormatException($"timestamp '{text}' is not UTC with microseconds (yyyy-MM-ddTHH:mm:ss.ffffffZ).");
        }

        return timestamp;
    }

    /// <summary>Reads an object's members once each, remembering which were read so leftovers can be reported.</summary>
    private sealed class Fields
    {
        private readonly Dictionary<string, JsonElement> _members = new(StringComparer.Ordinal);
        private readonly string _path;

        public Fields(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{path} must be a JSON object.");
            }

            _path = path;
            foreach (var property in element.EnumerateObject())
            {
                if (!_members.TryAdd(property.Name, property.Value))
                {
                    throw new FormatException($"{path} has the field '{property.Name}' twice.");
                }
            }
        }

        public JsonElement? Optional(string name)
        {
            if (!_members.Remove(name, out var value))
            {
                return null;
            }

            return value;
        }

        public JsonElement Required(string name) =>
            Optional(name) ?? throw new FormatException($"{_path}.{name} is missing.");

        public string String(string name) => AsString(Required(name), $"{_path}.{name}");

        public string? OptionalString(string name) => Optional(name) is { } value ? AsString(value, $"{_path}.{name}") : null;

        public long Long(string name) => AsLong(Required(name), $"{_path}.{name}");

        public bool Boolean(string name)
        {
            var value = Required(name);
            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException($"{_path}.{name} must be true or false."),
            };
        }

        public JsonElement Object(string name) => Required(name) is { ValueKind: JsonValueKind.Object } value
            ? value
            : throw new FormatException($"{_path}.{name} must be an object.");

        public JsonElement? OptionalObject(string name) => Optional(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Object } value => value,
            _ => throw new FormatException($"{_path}.{name} must be an object."),
        };

        public JsonElement.ArrayEnumerator Array(string name) => Required(name) is { ValueKind: JsonValueKind.Array } value
            ? value.EnumerateArray()
            : throw new FormatException($"{_path}.{name} must be an array.");

        public void EnsureAllRead()
        {
            if (_members.Count > 0)
            {
                throw new FormatException($"{_path} has unknown field(s) {string.Join(", ", _members.Keys)}; it was written by a newer Warden or altered.");
            }
        }

        public static string AsString(JsonElement value, string path) => value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{path} must be a string.");

        public static long AsLong(JsonElement value, string path) => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new FormatException($"{path} must be an integer.");
    }
}
