namespace Warden.Core.Audit.Operations;

/// <summary>What a tool call did to the machine it ran on, as far as its name and arguments tell.</summary>
public enum ToolOperationKind
{
    /// <summary>Read a file (config: <c>read</c>).</summary>
    Read,

    /// <summary>Created or overwrote a file with given content (<c>write</c>).</summary>
    Write,

    /// <summary>Replaced text in a file (<c>edit</c>).</summary>
    Edit,

    /// <summary>Moved or renamed a file (<c>move</c>).</summary>
    Move,

    /// <summary>Created a directory (<c>mkdir</c>).</summary>
    CreateDirectory,

    /// <summary>Ran a command (<c>exec</c>).</summary>
    Command,
}
