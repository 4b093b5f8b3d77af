using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Core.Authorization;
using Warden.Core.Configuration;
using Warden.Gateway.Authorization;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden users endpoint USER</c>: prints a user's personal endpoint URL, what their roles reach, and client
/// configurations ready to paste (Claude Code, Cursor). The roles are those <c>users</c> assigns in the configuration
/// plus any <c>--role</c> given (for people whose roles come from the identity provider).
/// </summary>
internal static class UsersCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var user = new Argument<string>("user") { Description = "The user's name as their credential names them (subject or e-mail address)" };
        var config = WardenEnvironment.ConfigOption();
        var url = new Option<string?>("--url") { Description = "The base URL clients reach Warden at (default: listen.publicUrl, else the first of listen.urls)" };
        var roles = new Option<string[]>("--role") { Description = "A role the user holds at the identity provider (repeat for several); added to those users: assigns", AllowMultipleArgumentsPerToken = false };
        var endpoint = new Command("endpoint", "Print a user's personal MCP endpoint with client configurations for Claude Code and Cursor") { user, config, url, roles };
        endpoint.SetAction(parse => Print(parse.GetValue(user)!, parse.GetValue(config), parse.GetValue(url), parse.GetValue(roles) ?? []));
        return new Command("users", "Work with users: their personal endpoints, and passwords of local users who sign in at Warden's login page") { endpoint, UserPasswordCommand.Create() };
    }

    private static int Print(string user, FileInfo? configFile, string? url, string[] extraRoles)
    {
        if (WardenEnvironment.LoadConfig(configFile, "cannot print the endpoint") is not { } config)
        {
            return 1;
        }

        if (string.IsNullOrWhiteSpace(user) || user.Any(char.IsControl))
        {
            Console.Error.WriteLine("Give the user's name as their credential names them, e.g. `warden users endpoint alice@example.com`.");
            return 2;
        }

        var policy = new RolePolicy(config);
        var assigned = config.Users.GetValueOrDefault(user)?.Roles ?? [];
        var held = assigned.Concat(extraRoles).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (policy.Enabled && held.Count == 0)
        {
            Console.Error.WriteLine($"'{user}' holds no role in this configuration, so the endpoint would offer nothing. Add them under users: (e.g. `users: {{ {user}: [engineering] }}`) "
                + "or say which roles their identity provider gives them with --role ROLE.");
            return 1;
        }

        var unknown = extraRoles.Where(r => !config.Roles.ContainsKey(r) && !string.Equals(r, RolePolicy.AdminRole, StringComparison.OrdinalIgnoreCase)).ToList();
        if (policy.Enabled && unknown.Count > 0)
        {
            Console.Error.WriteLine($"No role is configured as {string.Join(", ", unknown)} (roles: {string.Join(", ", config.Roles.Keys.Append(RolePolicy.AdminRole))}); such roles grant nothing.");
            return 1;
        }

        if (BaseUrl(config, url) is not { } baseUrl)
        {
            Console.Error.WriteLine($"--url must be an absolute http(s) URL such as https://warden.example.com, got '{url}'.");
            return 2;
        }

        var endpointUrl = baseUrl + PersonalEndpoint.PathOf(user);
        var access = policy.ForRoles(held);
        var servers = config.Servers.Keys.Where(access.CanReachServer).ToList();
        var name = "warden";
        var o = Console.Out;
        o.WriteLine($"Personal endpoint of {user}: {endpointUrl}");
        o.WriteLine(policy.Enabled
            ? $"Roles: {string.Join(", ", held)}{(assigned.Count > 0 ? " (users: in the configuration" + (extraRoles.Length > 0 ? ", and --role)" : ")") : " (--role)")}"
            : "Roles: none configured, so every server and tool is offered.");
        o.WriteLine($"Servers: {(servers.Count == 0 ? "(none)" : string.Join(", ", servers))}");
        o.WriteLine("Only this user may use it; tools, prompts and resources are filtered by their roles on every request, so role changes apply at once.");
        o.WriteLine();
        o.WriteLine("Claude Code (command line):");
        o.WriteLine($"  claude mcp add --transport http {name} {endpointUrl}");
        o.WriteLine();
        o.WriteLine("Claude Code (.mcp.json in the project):");
        WriteJson(new JsonObject { ["mcpServers"] = new JsonObject { [name] = new JsonObject { ["type"] = "http", ["url"] = endpointUrl } } });
        o.WriteLine();
        o.WriteLine("Cursor (~/.cursor/mcp.json):");
        WriteJson(new JsonObject { ["mcpServers"] = new JsonObject { [name] = new JsonObject { ["url"] = endpointUrl } } });
        o.WriteLine();
        o.WriteLine("The client signs in through Warden when it first connects. With an API key instead, add the header");
        o.WriteLine("\"Authorization: Bearer <key>\" (claude mcp add --header, or \"headers\" in the JSON).");
        return 0;
    }

    private static void WriteJson(JsonObject json)
    {
        foreach (var line in json.ToJsonString(Indented).Split('\n'))
        {
            Console.Out.WriteLine("  " + line.TrimEnd('\r'));
        }
    }

    private static string? BaseUrl(WardenConfig config, string? url)
    {
        var candidate = url ?? config.Listen.PublicUrl ?? (config.Listen.Urls.Count > 0 ? config.Listen.Urls[0] : "http://127.0.0.1:8787");
        return Uri.TryCreate(candidate, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
            ? candidate.TrimEnd('/')
            : null;
    }
}
