namespace Warden.DemoServer.FileSystem;

/// <summary>The decoded start of a file, its full length, and whether text was cut or refused as binary.</summary>
internal readonly record struct TextPrefix(string Text, long Length, bool Truncated, bool IsBinary);
