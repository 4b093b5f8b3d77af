namespace Warden.Core.Naming;

/// <summary>
/// The reversible name form used on the aggregate endpoint: <c>{server}__{name}</c>. Server names cannot
/// contain the separator, so the first separator always splits correctly even when the tool name has one.
/// </summary>
public static class QualifiedName
{
    public const string Separator = "__";

    public static string Join(string server, string name) => string.Concat(server, Separator, name);

    public static bool TrySplit(string qualified, out string server, out string name)
    {
        var index = qualified.IndexOf(Separator, StringComparison.Ordinal);
        if (index <= 0 || index + Separator.Length >= qualified.Length)
        {
            server = name = "";
            return false;
        }

        server = qualified[..index];
        name = qualified[(index + Separator.Length)..];
        return true;
    }
}
