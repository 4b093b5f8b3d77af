using System.Data.Common;
using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Upstreams;

/// <summary>
/// Puts the right secret into an upstream connection: for a server with <c>credentials</c>, the configuration a
/// connection is opened with gets the caller's own secret (or the shared one) as an environment variable (stdio) or a
/// header (HTTP). Resolved per connection, from the current store, so a rotated secret is used by the next
/// connection; the secret lives only in that connection's process environment or request headers, never in logs.
/// </summary>
public sealed class UpstreamCredentials(UpstreamCredentialService credentials)
{
    /// <summary>The configuration to connect with for <paramref name="caller"/>, or why they cannot connect.</summary>
    public async ValueTask<(ServerConfig? Config, string? Error)> ApplyAsync(ServerConfig server, Caller caller, CancellationToken cancellationToken)
    {
        if (server.Credentials is not { } wanted)
        {
            return (server, null);
        }

        var subject = wanted.Scope == CredentialScope.Shared ? UpstreamCredential.SharedSubject : caller.Subject;
        string? secret;
        try
        {
            secret = await credentials.OpenAsync(server.Name, subject, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException)
        {
            return (null, $"Warden cannot read the credential for server '{server.Name}' right now (its identity database is unavailable); try again shortly.");
        }

        if (secret is null)
        {
            if (!wanted.Required)
            {
                return (server, null);
            }

            return (null, wanted.Scope == CredentialScope.Shared
                ? $"Server '{server.Name}' needs a shared credential that no admin has stored yet: an admin runs `warden credentials set --server {server.Name} --shared` (the secret is read from stdin)."
                : $"Server '{server.Name}' needs your own credential ({(wanted.Env ?? wanted.Header)}), and none is stored for '{caller.Subject}'. Store it once with "
                  + $"PUT /api/v1/me/credentials/{server.Name} and a JSON body {{\"secret\": \"…\"}}, or ask an admin to run `warden credentials set --server {server.Name} --user {caller.Subject}`.");
        }

        var value = wanted.Render(secret);
        if (server.Kind == UpstreamKind.Stdio)
        {
            var env = new Dictionary<string, string>(server.Env, StringComparer.Ordinal) { [wanted.Env!] = value };
            return (server with { Env = env }, null);
        }

        var headers = new Dictionary<string, string>(server.Headers, StringComparer.OrdinalIgnoreCase) { [wanted.Header!] = value };
        return (server with { Headers = headers }, null);
    }
}
