namespace Warden.Core.Audit;

/// <summary>One signature line of a signed note: the key name, the key id and the raw signature bytes.</summary>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature)
{
    /// <summary>The <c>name+hex(key id)</c> label used in messages.</summary>
    public string KeyLabel => $"{Name}+{KeyId:x8}";
}
