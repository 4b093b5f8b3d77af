using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Warden.Core.Configuration;

/// <summary>The <c>servers.NAME.credentials</c> section: which secret an upstream gets and where it goes.</summary>
public sealed partial class ConfigParser
{
    private UpstreamCredentialConfig ParseCredentials(YamlNode node, string path, bool stdio)
    {
        var credentials = new UpstreamCredentialConfig();
        foreach (var (key, value, keyNode) in Entries(node, path))
        {
            var p = $"{path}.{key}";
            switch (key)
            {
                case "scope":
                    credentials = credentials with { Scope = Enum<CredentialScope>(value, p, ("shared", CredentialScope.Shared), ("per-user", CredentialScope.PerUser)) ?? credentials.Scope };
                    break;
                case "env":
                    var env = String(value, p);
                    if (!stdio)
                    {
                        Error(p, "applies only to stdio servers (with 'command'); an HTTP server gets the secret in a header: use 'header'", Line(keyNode));
                    }
                    else if (env is null || !EnvNamePattern().IsMatch(env))
                    {
                        Error(p, $"must be an environment variable name such as GITHUB_TOKEN, got '{env}'", Line(value));
                    }

                    credentials = credentials with { Env = env };
                    break;
                case "header":
                    var header = String(value, p);
                    if (stdio)
                    {
                        Error(p, "applies only to HTTP servers (with 'url'); a stdio server gets the secret in its environment: use 'env'", Line(keyNode));
                    }
                    else if (header is null || !HeaderNamePattern().IsMatch(header))
                    {
                        Error(p, $"must be an HTTP header name such as Authorization or X-Api-Key, got '{header}'", Line(value));
                    }

                    credentials = credentials with { Header = header };
                    break;
                case "format":
                    var format = String(value, p);
                    if (format is null || !format.Contains(UpstreamCredentialConfig.Placeholder, StringComparison.Ordinal))
                    {
                        Error(p, $"must contain {UpstreamCredentialConfig.Placeholder} where the secret goes, e.g. 'token {UpstreamCredentialConfig.Placeholder}'", Line(value));
                    }

                    credentials = credentials with { Format = format };
                    break;
                case "required": credentials = credentials with { Required = Boolean(value, p) ?? true }; break;
                default: Unknown(p, keyNode, "scope, env, header, format, required"); break;
            }
        }

        return credentials;
    }

    private void CheckCredentials(ServerConfig server, string path, int? line)
    {
        if (server.Credentials is not { } credentials)
        {
            return;
        }

        if (server.Kind == UpstreamKind.Stdio && credentials.Env is null)
        {
            Error($"{path}.credentials", "needs 'env': the environment variable the server reads its secret from (e.g. GITHUB_PERSONAL_ACCESS_TOKEN)", line);
        }

        if (server.Kind == UpstreamKind.Http && credentials.Header is null)
        {
            Error($"{path}.credentials", "needs 'header': the request header the server reads its secret from (e.g. Authorization)", line);
        }

        // One process serves everyone in shared mode, so it could only ever carry one user's secret.
        if (server.Kind == UpstreamKind.Stdio && server.Mode == StdioMode.Shared && credentials.Scope == CredentialScope.PerUser)
        {
            Error($"{path}.credentials.scope", "per-user credentials need one process per session: set 'mode: session' on this server, or use 'scope: shared'", line);
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNamePattern();
}
