namespace Warden.Core.Audit.Redaction;

/// <summary>What a JSON field's name says about its string values.</summary>
internal enum SecretField : byte
{
    /// <summary>Nothing: only the text rules apply.</summary>
    None,

    /// <summary>A password: any value that is not a placeholder is a secret, however guessable (a number too: a PIN).</summary>
    Password,

    /// <summary>A token, key or credential: a value is a secret when it looks random (see <see cref="SecretFields.LooksRandom"/>).</summary>
    Token,
}
