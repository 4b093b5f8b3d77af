namespace Warden.Tests.Interop;

/// <summary>A temporary directory with a few files for server-filesystem to serve.</summary>
internal sealed class FilesystemTree : IDisposable
{
    public FilesystemTree()
    {
        Root = Directory.CreateTempSubdirectory("warden-fs-").FullName;
        Write("notes.txt", "first line\nsecond line\nthird line\n");
        Write("README.md", "# Interop\n\nWarden forwards server-filesystem unchanged.\n");
        Write(Path.Combine("src", "app.js"), "import { helper } from './lib/util.js';\nconsole.log(helper());\n");
        Write(Path.Combine("src", "lib", "util.js"), "export const helper = () => 'needle';\n");
        Write(Path.Combine("data", "table.csv"), "id,name\n1,alpha\n2,beta\n");
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    private void Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
