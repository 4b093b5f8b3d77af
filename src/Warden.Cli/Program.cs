using System.CommandLine;
using Warden.Cli.Commands;

var root = new RootCommand("Warden: a self-hosted MCP gateway that authenticates, governs and audits what AI agents do.")
{
    ServeCommand.Create(),
    ConfigCommand.Create(),
    AuditCommand.Create(),
    UsersCommand.Create(),
    KeysCommand.Create(),
    CredentialsCommand.Create(),
    AuthCommand.Create(),
};

// Bad arguments exit 2 (after the usual error and usage text), so scripts can tell them from a failed check (1).
var parse = root.Parse(args);
var exitCode = await parse.InvokeAsync();
return parse.Errors.Count > 0 ? 2 : exitCode;
