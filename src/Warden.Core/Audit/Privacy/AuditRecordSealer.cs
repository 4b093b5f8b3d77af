using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Core.Audit.Privacy;

/// <summary>
/// Seals a record's personal fields before it is placed in the log, and opens stored records for reading. Sealing
/// encrypts each field (AES-256-GCM, bound to the record id and field path) under the key of the data subject it is
/// about and puts the subject's pseudonym in the identity fields; the record's hash then covers the ciphertext, so
/// destroying a key later leaves every record verifiable while its fields read as <see cref="Erased"/>.
/// </summary>
/// <param name="keys">The subject keys; null for a reader without the master key (sealed fields read as <see cref="Encrypted"/>).</param>
public sealed class AuditRecordSealer(ISubjectKeyStore? keys)
{
    /// <summary>What a field whose subject's key was destroyed reads as.</summary>
    public const string Erased = "[erased]";

    /// <summary>What a sealed field reads as when the master key is not available to this reader.</summary>
    public const string Encrypted = "[encrypted]";

    /// <summary>What a sealed field reads as when its ciphertext does not open (altered, or another master key).</summary>
    public const string Unreadable = "[unreadable]";

    /// <summary>
    /// The record with its identity fields (subject, display name, on-behalf-of) sealed under their subjects' keys, and,
    /// with <paramref name="encryptContent"/>, its arguments, prompt, output content, content hash and diff too, under
    /// the acting subject's key. Records already sealed or pruned come back unchanged.
    /// </summary>
    public async ValueTask<AuditRecord> SealAsync(AuditRecord record, bool encryptContent, CancellationToken cancellationToken)
    {
        if (record.Sealed is not null || record.Pruned is not null)
        {
            return record;
        }

        if (keys is null)
        {
            throw new InvalidOperationException("Sealing needs the subject keys (the audit privacy key and the key table).");
        }

        var groups = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        void Seal(SubjectKey key, string path, byte[] plaintext)
        {
            if (!groups.TryGetValue(key.Pseudonym, out var fields))
            {
                groups[key.Pseudonym] = fields = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            ((Dictionary<string, string>)fields)[path] = Convert.ToBase64String(FieldCipher.Encrypt(key.Key, FieldCipher.FieldContext(record.Id, path), plaintext));
        }

        var actor = await keys.GetOrCreateAsync(record.User.Subject, cancellationToken).ConfigureAwait(false);
        Seal(actor, SealedField.Subject, Encoding.UTF8.GetBytes(record.User.Subject));
        if (record.User.DisplayName is { } displayName)
        {
            Seal(actor, SealedField.DisplayName, Encoding.UTF8.GetBytes(displayName));
        }

        // A service account acting for someone: the name of the person it acted for is theirs, sealed under their key.
        string? onBehalfOf = null;
        if (record.User.OnBehalfOf is { } principal)
        {
            var principalKey = await keys.GetOrCreateAsync(principal, cancellationToken).ConfigureAwait(false);
            Seal(principalKey, SealedField.OnBehalfOf, Encoding.UTF8.GetBytes(principal));
            onBehalfOf = principalKey.Pseudonym;
        }

        var input = record.Input;
        var output = record.Output;
        if (encryptContent)
        {
            if (input.Arguments is { } arguments)
            {
                Seal(actor, SealedField.Arguments, ArgumentsText(arguments));
            }

            if (input.Prompt is { } prompt)
            {
                Seal(actor, SealedField.Prompt, Encoding.UTF8.GetBytes(prompt));
            }

            if (input.Justification is { } justification)
            {
                Seal(actor, SealedField.Justification, Encoding.UTF8.GetBytes(justification));
            }

            input = input with { Arguments = null, Prompt = null, Justification = null };
            if (output is not null)
            {
                foreach (var (path, value) in new[] { (SealedField.Content, output.Content), (SealedField.ContentSha256, output.ContentSha256), (SealedField.Diff, output.Diff) })
                {
                    if (value is not null)
                    {
                        Seal(actor, path, Encoding.UTF8.GetBytes(value));
                    }
                }

                output = output with { Content = null, ContentSha256 = null, Diff = null };
            }
        }

        return record with
        {
            User = record.User with { Subject = actor.Pseudonym, DisplayName = null, OnBehalfOf = onBehalfOf },
            Input = input,
            Output = output,
            Sealed = groups,
        };
    }

    /// <summary>
    /// The record for reading: sealed fields decrypted back into their places, or <see cref="Erased"/> where the
    /// subject's key was destroyed. The result keeps the stored hash but no longer hashes to it; verify stored records.
    /// </summary>
    public async ValueTask<AuditRecord> OpenAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        if (record.Sealed is not { } groups)
        {
            return record;
        }

        var user = record.User;
        var input = record.Input;
        var output = record.Output;
        foreach (var (pseudonym, fields) in groups)
        {
            SubjectKey? key = null;
            var unusable = false;
            try
            {
                key = keys is null ? null : await keys.FindByPseudonymAsync(pseudonym, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // The key row does not open with this master key: the fields are there but cannot be read here.
                unusable = true;
            }

            foreach (var (path, ciphertext) in fields)
            {
                var text = unusable ? Unreadable : Open(key, record.Id, path, ciphertext);
                switch (path)
                {
                    case SealedField.Subject: user = user with { Subject = text ?? Erased }; break;
                    case SealedField.DisplayName: user = user with { DisplayName = text ?? Erased }; break;
                    case SealedField.OnBehalfOf: user = user with { OnBehalfOf = text ?? Erased }; break;
                    case SealedField.Arguments: input = input with { Arguments = ParseArguments(text) }; break;
                    case SealedField.Prompt: input = input with { Prompt = text ?? Erased }; break;
                    case SealedField.Justification: input = input with { Justification = text ?? Erased }; break;
                    case SealedField.Content: output = (output ?? new AuditOutput()) with { Content = text ?? Erased }; break;
                    case SealedField.ContentSha256: output = (output ?? new AuditOutput()) with { ContentSha256 = text ?? Erased }; break;
                    case SealedField.Diff: output = (output ?? new AuditOutput()) with { Diff = text ?? Erased }; break;
                }
            }
        }

        return record with { User = user, Input = input, Output = output, Sealed = null };

        string? Open(SubjectKey? key, string recordId, string path, string ciphertext)
        {
            if (keys is null)
            {
                return Encrypted;
            }

            if (key is null)
            {
                return null;
            }

            var bytes = new byte[ciphertext.Length];
            return Convert.TryFromBase64String(ciphertext, bytes, out var written)
                && FieldCipher.Decrypt(key.Key, FieldCipher.FieldContext(recordId, path), bytes.AsSpan(0, written)) is { } plaintext
                ? Encoding.UTF8.GetString(plaintext)
                : Unreadable;
        }

        static JsonNode? ParseArguments(string? text)
        {
            if (text is null or Encrypted or Unreadable)
            {
                return JsonValue.Create(text ?? Erased);
            }

            try
            {
                return JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                return JsonValue.Create(text);
            }
        }
    }

    // The arguments as canonical JSON; arguments canonical JSON cannot hold (an unpaired surrogate, a number beyond
    // a double — a client can send either) are sealed as their JSON text instead, as the store keeps such records.
    private static byte[] ArgumentsText(JsonNode arguments)
    {
        try
        {
            return JsonCanonicalizer.Canonicalize(arguments);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            try
            {
                return Encoding.UTF8.GetBytes(arguments.ToJsonString());
            }
            catch (Exception again) when (again is ArgumentException or InvalidOperationException)
            {
                return Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize("(arguments that cannot be represented as text: " + again.Message + ")"));
            }
        }
    }

    /// <summary>The query with its user filter turned into that subject's pseudonym (records hold pseudonyms, not subjects).</summary>
    public async ValueTask<AuditQuery> ResolveAsync(AuditQuery query, CancellationToken cancellationToken) =>
        query.User is { } subject && keys is not null && await keys.FindAsync(subject, cancellationToken).ConfigureAwait(false) is { } key
            ? query with { User = key.Pseudonym }
            : query;
}
