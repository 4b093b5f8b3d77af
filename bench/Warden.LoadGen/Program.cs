using System.CommandLine;
using Warden.LoadGen;

// No response files: '@file' is our syntax for tool arguments read from a file.
return await LoadGenCommand.Create(args).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync();
