using System.CommandLine;
using Warden.Core.Configuration;

namespace Warden.Cli.Commands;

/// <summary>`warden config validate FILE`: lists every problem with its path; exit 1 when there is any.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The warden.yaml to check" };
        var validate = new Command("validate", "Check a configuration file and list every problem with its path") { file };
        validate.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var result = ConfigParser.ParseFile(path);
            if (result.Config is { } config)
            {
                Console.Out.WriteLine($"{path}: valid ({config.Servers.Count} server{(config.Servers.Count == 1 ? "" : "s")}: {string.Join(", ", config.Servers.Keys)})");
                return 0;
            }

            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine(error);
            }

            Console.Error.WriteLine($"{path}: {result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}");
            return 1;
        });

        return new Command("config", "Work with configuration files") { validate };
    }
}
