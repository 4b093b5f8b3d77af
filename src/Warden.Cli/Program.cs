using System.CommandLine;
using Warden.Cli.Commands;

var root = new RootCommand("Warden: a self-hosted MCP gateway that authenticates, governs and audits what AI agents do.")
{
    ServeCommand.Create(),
    ConfigCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
