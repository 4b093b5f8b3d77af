using System.Security.Cryptography;
using System.Text;

namespace Warden.TestServer.Conformance;

/// <summary>
/// Signs MRTR requestState so a client cannot forge it (SEP-2322 recommends integrity protection; the
/// tampered-state scenario checks the server rejects a modified value).
/// </summary>
internal static class RequestStateSigner
{
    // A fixed key is fine: this is a test server, and a per-process key would break a restarted upstream.
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("warden-test-server-request-state-v1");

    public static string Sign()
    {
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return $"{nonce}.{Mac(nonce)}";
    }

    public static bool Verify(string state)
    {
        var dot = state.LastIndexOf('.');
        if (dot <= 0 || dot == state.Length - 1)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(state[(dot + 1)..]),
            Encoding.ASCII.GetBytes(Mac(state[..dot])));
    }

    private static string Mac(string nonce) => Convert.ToHexString(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(nonce)));
}
