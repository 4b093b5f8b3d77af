using System.CommandLine;
using System.Globalization;
using Warden.Core.Audit;
using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;
using Warden.Storage.Sqlite.Identity;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden keys create|list|revoke|rotate-admin</c>: API keys in the identity database <c>serve</c> reads (safe while
/// it runs: a revocation is honoured within a second). A key is printed once and stored only as a keyed hash; every
/// creation and revocation is an audit record naming the operating-system user who ran the command.
/// Exit 0 on success, 1 when the change could not be recorded, 2 on bad arguments.
/// </summary>
internal static class KeysCommand
{
    public static Command Create() => new("keys", "API keys for people and service accounts, and the admin key")
    {
        CreateKey(),
        List(),
        Revoke(),
        RotateAdmin(),
    };

    private static Command CreateKey()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var name = new Option<string>("--name") { Description = "The key's name: a service account's name (its subject), or a label for a person's key (e.g. alice-laptop)", Required = true };
        var user = new Option<string?>("--user") { Description = "Make a person's key: calls are this person's (auth_method api_key). Without it the key is the service account --name's" };
        var onBehalfOf = new Option<string?>("--on-behalf-of") { Description = "The person a service account acts for (recorded as user.on_behalf_of)" };
        var roles = new Option<string[]>("--role") { Description = "A role the key holds (repeat for more; at least one)", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var expires = new Option<string?>("--expires") { Description = "Lifetime (90d, 12h, 1y), an ISO 8601 date, or 'never' (default 90d)" };
        var servers = new Option<string[]>("--server") { Description = "Limit the key to servers matching this glob (repeat for more)", Arity = ArgumentArity.ZeroOrMore };
        var tools = new Option<string[]>("--tool") { Description = "Limit the key to tools matching this glob (repeat for more)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("create", "Create an API key and print it once") { name, user, onBehalfOf, roles, expires, servers, tools, config, data };
        command.SetAction((parse, cancellationToken) => WithIdentityAsync(parse.GetValue(config), parse.GetValue(data), async (identity, cfg, dataDirectory) =>
        {
            var now = DateTimeOffset.UtcNow;
            var problems = new List<string>();
            DateTimeOffset? expiry = now + ApiKeyRequest.DefaultLifetime;
            if (parse.GetValue(expires) is { } text && !ApiKeyRequest.TryParseExpiry(text, now, out expiry))
            {
                problems.Add($"--expires must be a lifetime (90d, 12h, 1y), an ISO 8601 date or 'never', got '{text}'");
            }

            var request = new ApiKeyRequest
            {
                Name = parse.GetValue(name)!,
                User = parse.GetValue(user),
                OnBehalfOf = parse.GetValue(onBehalfOf),
                Roles = parse.GetValue(roles) ?? [],
                Servers = parse.GetValue(servers) ?? [],
                Tools = parse.GetValue(tools) ?? [],
                Expires = expiry,
            };
            problems.AddRange(request.Problems(now));
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    Console.Error.WriteLine(problem);
                }

                Console.Error.WriteLine("No key was created.");
                return AuditLog.UsageError;
            }

            var issued = await identity.CreateAsync(request, AuditAdmin.Operator.Subject, cancellationToken);
            if (await KeyAuditLog.AppendAsync(cfg, dataDirectory, ApiKeyEvents.Record(AuthEvents.KeyCreated, issued.Key, AuditAdmin.Operator, TimeProvider.System), cancellationToken) is { } error)
            {
                // A key nobody can find in the audit log must not exist: it is removed before anyone saw it.
                await identity.DeleteAsync(issued.Key.Id, CancellationToken.None);
                Console.Error.WriteLine($"No key was created: {error}. Fix that and run the command again.");
                return 1;
            }

            var key = issued.Key;
            Console.Out.WriteLine($"""
                Created {(key.Kind == ApiKeyKind.Person ? $"a key for {key.Subject}" : $"service account key {key.Name}" + (key.OnBehalfOf is { } obo ? $" acting for {obo}" : ""))}: id {key.Id}, roles {string.Join(", ", key.Roles)}, expires {Date(key.Expires) ?? "never"}{Scope(key)}.

                  {issued.Token}

                This is the only time the key is shown: store it in a secret manager now. Clients send it as the header
                  Authorization: Bearer <the key>
                e.g. with the key in $WARDEN_KEY:
                  claude mcp add --transport http warden http://127.0.0.1:8787/mcp --header "Authorization: Bearer $WARDEN_KEY"
                Revoke it with `warden keys revoke {key.Id}`.
                """);
            if (!cfg.Auth.ApiKeys)
            {
                Console.Out.WriteLine("Note: this configuration does not set auth.apiKeys: true, so callers without a key are still admitted as the local user (loopback only).");
            }

            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var all = new Option<bool>("--all") { Description = "Include revoked keys" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of a table" };
        var command = new Command("list", "List API keys (never the keys themselves)") { all, json, config, data };
        command.SetAction((parse, cancellationToken) => WithIdentityAsync(parse.GetValue(config), parse.GetValue(data), async (identity, _, _) =>
        {
            var keys = await identity.ListAsync(parse.GetValue(all), cancellationToken);
            if (parse.GetValue(json))
            {
                foreach (var key in keys)
                {
                    Console.Out.WriteLine(ApiKeyEvents.Describe(key).ToJsonString());
                }

                return 0;
            }

            var rows = keys.Select(k => new[]
            {
                k.Id, SqliteApiKeyStore.KindName(k.Kind), k.Name, k.Subject + (k.OnBehalfOf is { } obo ? $" (for {obo})" : ""), string.Join(",", k.Roles),
                k.Servers.Count + k.Tools.Count == 0 ? "-" : string.Join(",", k.Servers.Select(s => "server:" + s).Concat(k.Tools.Select(t => "tool:" + t))),
                Date(k.Created)!, Date(k.Expires) ?? "never", Date(k.LastUsed) ?? "never", Date(k.Revoked) ?? "-",
            }).ToList();
            rows.Insert(0, ["ID", "KIND", "NAME", "SUBJECT", "ROLES", "SCOPE", "CREATED", "EXPIRES", "LAST USED", "REVOKED"]);
            var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                Console.Out.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            }

            if (keys.Count == 0)
            {
                Console.Out.WriteLine(parse.GetValue(all) ? "(no keys)" : "(no active keys; --all shows revoked ones)");
            }

            return 0;
        }));
        return command;
    }

    private static Command Revoke()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var id = new Argument<string>("id") { Description = "The key's id (from `warden keys list`), or the whole key" };
        var command = new Command("revoke", "Revoke an API key; a running Warden refuses it within a second") { id, config, data };
        command.SetAction((parse, cancellationToken) => WithIdentityAsync(parse.GetValue(config), parse.GetValue(data), async (identity, cfg, dataDirectory) =>
        {
            var given = parse.GetValue(id)!.Trim();
            var keyId = ApiKeyToken.TryGetId(given, out var embedded) ? embedded : given;
            if (!ApiKeyToken.IsId(keyId) || await identity.Store.FindAsync(keyId, cancellationToken) is not { } existing)
            {
                Console.Error.WriteLine($"No API key has id '{Printable(keyId)}'; `warden keys list --all` shows every key's id.");
                return AuditLog.UsageError;
            }

            if (existing.Revoked is not null)
            {
                Console.Out.WriteLine($"Key {existing.Id} ({existing.Name}) was already revoked at {Date(existing.Revoked)} by {existing.RevokedBy}.");
                return 0;
            }

            // Revoked first: a failure to record must not keep a compromised key alive.
            var revoked = (await identity.RevokeAsync(keyId, AuditAdmin.Operator.Subject, cancellationToken))!;
            Console.Out.WriteLine($"Revoked key {revoked.Id} ({revoked.Name}, {revoked.Subject}); a running Warden refuses it within a second.");
            if (await KeyAuditLog.AppendAsync(cfg, dataDirectory, ApiKeyEvents.Record(AuthEvents.KeyRevoked, revoked, AuditAdmin.Operator, TimeProvider.System), cancellationToken) is { } error)
            {
                Console.Error.WriteLine($"The key is revoked, but the revocation could not be recorded: {error}.");
                return 1;
            }

            return 0;
        }));
        return command;
    }

    private static Command RotateAdmin()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var command = new Command("rotate-admin", "Make a new admin key and revoke the old one (when it was lost or exposed)") { config, data };
        command.SetAction((parse, cancellationToken) => WithIdentityAsync(parse.GetValue(config), parse.GetValue(data), async (identity, cfg, dataDirectory) =>
        {
            var (issued, revokedIds) = await identity.RotateAdminAsync(AuditAdmin.Operator.Subject, cancellationToken);
            var failures = new List<string>();
            foreach (var revokedId in revokedIds)
            {
                var revoked = await identity.Store.FindAsync(revokedId, cancellationToken);
                if (revoked is not null && await KeyAuditLog.AppendAsync(cfg, dataDirectory, ApiKeyEvents.Record(AuthEvents.KeyRevoked, revoked, AuditAdmin.Operator, TimeProvider.System), cancellationToken) is { } error)
                {
                    failures.Add(error);
                }
            }

            if (await KeyAuditLog.AppendAsync(cfg, dataDirectory, ApiKeyEvents.Record(AuthEvents.KeyCreated, issued.Key, AuditAdmin.Operator, TimeProvider.System), cancellationToken) is { } createError)
            {
                failures.Add(createError);
            }

            Console.Out.WriteLine($"""
                New admin key (id {issued.Key.Id}){(revokedIds.Count > 0 ? $"; revoked {string.Join(", ", revokedIds)}" : "")}:

                  {issued.Token}

                This is the only time it is shown: store it in a password manager now. It opens the admin API
                (/api/v1/…) and /metrics, sent as the header 'Authorization: Bearer <the key>'.
                """);
            foreach (var failure in failures.Distinct())
            {
                Console.Error.WriteLine($"The rotation could not be recorded: {failure}.");
            }

            return failures.Count == 0 ? 0 : 1;
        }));
        return command;
    }

    // Opens the identity database of the data directory `serve` uses, with the identity key it uses.
    private static Task<int> WithIdentityAsync(FileInfo? configFile, DirectoryInfo? data, Func<ApiKeyService, WardenConfig, string, Task<int>> action) =>
        IdentityCli.RunAsync(configFile, data, (key, database, config, dataDirectory) => action(new ApiKeyService(new SqliteApiKeyStore(database), key, TimeProvider.System), config, dataDirectory));

    private static string? Date(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private static string Scope(ApiKey key) =>
        key.Servers.Count + key.Tools.Count == 0 ? "" : $", limited to {string.Join(", ", key.Servers.Select(s => "server " + s).Concat(key.Tools.Select(t => "tool " + t)))}";

    private static string Printable(string value) => new(value.Take(64).Where(c => !char.IsControl(c)).ToArray());
}
