namespace Warden.Core.Audit.Bundles;

/// <summary>One file of an export bundle as its manifest lists it.</summary>
public readonly record struct BundleFile(string Name, string Sha256, long Bytes);
