using System.CommandLine;
using System.Globalization;
using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Gateway.Upstreams;
using Warden.Storage.Sqlite.Identity;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden credentials set|list|delete</c>: the secrets Warden injects into upstream connections (a server's shared
/// one, or a user's own), sealed in the identity database under the identity key. A secret is read from standard input,
/// never from the command line (where other users see it in the process list); it is never printed. Every change is
/// an audit record naming the operating-system user who ran the command.
/// </summary>
internal static class CredentialsCommand
{
    public static Command Create() => new("credentials", "Upstream credentials: a server's shared secret, or a user's own, injected into their connections")
    {
        Set(),
        List(),
        Delete(),
    };

    private static Command Set()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var (server, user, shared) = Target();
        var command = new Command("set", "Store (or replace) a credential; the secret is read from standard input") { server, user, shared, config, data };
        command.SetAction((parse, cancellationToken) => IdentityCli.RunAsync(parse.GetValue(config), parse.GetValue(data), async (key, database, cfg, dataDirectory) =>
        {
            if (Resolve(cfg, parse.GetValue(server)!, parse.GetValue(user), parse.GetValue(shared)) is not { } subject)
            {
                return AuditLog.UsageError;
            }

            if (!Console.IsInputRedirected)
            {
                Console.Error.Write("Paste the secret and press Enter (it is not echoed to the log, but is visible on this terminal): ");
            }

            var secret = (await Console.In.ReadLineAsync(cancellationToken))?.Trim() ?? "";
            var service = new UpstreamCredentialService(new SqliteUpstreamCredentialStore(database), key, TimeProvider.System);
            var name = parse.GetValue(server)!;
            if (await service.SetAsync(name, subject, secret, AuditAdmin.Operator.Subject, cancellationToken) is { } problem)
            {
                Console.Error.WriteLine(problem + " Nothing was stored.");
                return AuditLog.UsageError;
            }

            if (await KeyAuditLog.AppendAsync(cfg, dataDirectory, CredentialEvents.Record(CredentialEvents.Set, name, subject, AuditAdmin.Operator, TimeProvider.System), cancellationToken) is { } error)
            {
                // A credential the audit log does not know about must not be used: it is removed again.
                await service.DeleteAsync(name, subject, CancellationToken.None);
                Console.Error.WriteLine($"Nothing was stored: {error}. Fix that and run the command again.");
                return 1;
            }

            Console.Out.WriteLine($"Stored the {(subject == UpstreamCredential.SharedSubject ? "shared credential" : $"credential of {subject}")} for server {name}; new connections use it.");
            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var server = new Option<string?>("--server") { Description = "Only this server's credentials" };
        var user = new Option<string?>("--user") { Description = "Only this user's credentials" };
        var command = new Command("list", "List stored credentials: server, whose, when set and by whom (never the secrets)") { server, user, config, data };
        command.SetAction((parse, cancellationToken) => IdentityCli.RunAsync(parse.GetValue(config), parse.GetValue(data), async (key, database, _, _) =>
        {
            var service = new UpstreamCredentialService(new SqliteUpstreamCredentialStore(database), key, TimeProvider.System);
            var list = await service.ListAsync(parse.GetValue(server), parse.GetValue(user), cancellationToken);
            Console.Out.WriteLine("SERVER\tFOR\tUPDATED\tBY");
            foreach (var c in list)
            {
                Console.Out.WriteLine($"{c.Server}\t{(c.Shared ? "(shared)" : c.Subject)}\t{c.Updated.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture)}\t{c.UpdatedBy}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Delete()
    {
        var (config, data) = (WardenEnvironment.ConfigOption(), WardenEnvironment.DataOption());
        var (server, user, shared) = Target();
        var command = new Command("delete", "Delete a stored credential; new connections go without it") { server, user, shared, config, data };
        command.SetAction((parse, cancellationToken) => IdentityCli.RunAsync(parse.GetValue(config), parse.GetValue(data), async (key, database, cfg, dataDirectory) =>
        {
            var name = parse.GetValue(server)!;
            if (Resolve(cfg, name, parse.GetValue(user), parse.GetValue(shared), mustBeConfigured: false) is not { } subject)
            {
                return AuditLog.UsageError;
            }

            var service = new UpstreamCredentialService(new SqliteUpstreamCredentialStore(database), key, TimeProvider.System);
            if (!await service.DeleteAsync(name, subject, cancellationToken))
            {
                Console.Error.WriteLine($"No credential is stored for server {name} ({(subject == UpstreamCredential.SharedSubject ? "shared" : subject)}).");
                return 1;
            }

            if (await KeyAuditLog.AppendAsync(cfg, dataDirectory, CredentialEvents.Record(CredentialEvents.Deleted, name, subject, AuditAdmin.Operator, TimeProvider.System), cancellationToken) is { } error)
            {
                Console.Error.WriteLine($"The credential was deleted, but the deletion could not be recorded: {error}.");
                return 1;
            }

            Console.Out.WriteLine($"Deleted the credential for server {name} ({(subject == UpstreamCredential.SharedSubject ? "shared" : subject)}).");
            return 0;
        }));
        return command;
    }

    private static (Option<string> Server, Option<string?> User, Option<bool> Shared) Target() =>
    (
        new Option<string>("--server") { Description = "The upstream server (a name under servers:)", Required = true },
        new Option<string?>("--user") { Description = "Whose credential (a subject, as their credential names them)" },
        new Option<bool>("--shared") { Description = "The server's shared credential (scope: shared)" }
    );

    // The subject the credential is stored under, after checking the target against the configuration.
    private static string? Resolve(WardenConfig config, string server, string? user, bool shared, bool mustBeConfigured = true)
    {
        if ((user is null) == !shared)
        {
            Console.Error.WriteLine("Say whose credential it is: --user SUBJECT (a user's own) or --shared (the server's shared one), not both.");
            return null;
        }

        if (mustBeConfigured)
        {
            if (!config.Servers.TryGetValue(server, out var serverConfig) || serverConfig.Credentials is not { } wanted)
            {
                Console.Error.WriteLine($"Server '{server}' has no credentials section in this configuration; add servers.{server}.credentials (env or header, scope) first.");
                return null;
            }

            if (shared != (wanted.Scope == CredentialScope.Shared))
            {
                Console.Error.WriteLine($"Server '{server}' takes {(wanted.Scope == CredentialScope.Shared ? "a shared credential: use --shared" : "per-user credentials: use --user SUBJECT")}.");
                return null;
            }
        }

        return shared ? UpstreamCredential.SharedSubject : user;
    }
}
