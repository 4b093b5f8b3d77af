using System.CommandLine;
using System.Text;
using Warden.Gateway.Security.AuthorizationServer;

namespace Warden.Cli.Commands;

/// <summary>
/// `warden users set-password NAME`: hashes a password for a local user (auth.server.users) and prints the YAML to
/// paste. The password is read without echo (or from stdin with --password-stdin) and never written anywhere.
/// </summary>
internal static class UserPasswordCommand
{
    private const int MinimumLength = 12;

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The user name (letters, digits, '.', '_', '-', '@')" };
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input (for scripts) instead of prompting" };
        var setPassword = new Command("set-password", "Hash a password for a local user and print the auth.server.users entry to paste into warden.yaml") { name, fromStdin };
        setPassword.SetAction(parse => SetPassword(parse.GetValue(name)!, parse.GetValue(fromStdin)));
        return setPassword;
    }

    private static int SetPassword(string name, bool fromStdin)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
        {
            Console.Error.WriteLine($"'{name}' is not a valid user name: use 1 to 64 letters, digits, '.', '_', '-' or '@'.");
            return 2;
        }

        string? password;
        if (fromStdin)
        {
            password = Console.In.ReadToEnd().TrimEnd('\r', '\n');
        }
        else if (Console.IsInputRedirected)
        {
            Console.Error.WriteLine("Standard input is not a terminal: pass --password-stdin to read the password from it.");
            return 2;
        }
        else
        {
            password = Prompt($"New password for {name}: ");
            if (Prompt("Repeat it: ") != password)
            {
                Console.Error.WriteLine("The two passwords differ; nothing was printed.");
                return 1;
            }
        }

        if (password is null || password.Length < MinimumLength)
        {
            Console.Error.WriteLine($"The password must be at least {MinimumLength} characters (a passphrase of a few words is easiest).");
            return 1;
        }

        Console.Out.WriteLine($"""
            auth:
              server:
                users:
                  {name}:
                    passwordHash: "{LocalUsers.Hash(password)}"
                    roles: []
            """);
        Console.Error.WriteLine($"Paste the {name} entry under auth.server.users in warden.yaml and fill in the roles; Warden picks up the change without a restart.");
        return 0;
    }

    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
