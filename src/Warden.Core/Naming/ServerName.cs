namespace Warden.Core.Naming;

/// <summary>Rules for upstream server names, which appear in URLs and in qualified tool names.</summary>
public static class ServerName
{
    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > 64 || name.Contains(QualifiedName.Separator, StringComparison.Ordinal) || name[0] is '-' or '_' || name[^1] is '_')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }
}
