namespace Warden.Tests.Core.Audit.Redaction;

/// <summary>Made-up secrets in the real formats (none was ever issued), and a .env.example that holds none.</summary>
internal static class Secrets
{
    public const string AwsKeyId = "AKIAUJZDE8GXD6NCF10E";
    public const string AwsSecret = "El2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5";
    public const string GitHubPat = "ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8";
    public const string GitHubOAuth = "gho_rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpz";
    public const string GitHubUser = "ghu_z63FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1L";
    public const string GitHubApp = "ghs_lqsajAIxNKu8iS2G8NPRVdD53X83RZJzzzzg";
    public const string GitHubFineGrained = "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";
    public const string GitLab = "glpat-9wCZ7Uw9xfogoEmvnEN5";
    public const string WardenKey = "wdn_k2f7qaz3mx4b_Q8v1xT3bK9wLmN2pR5sY7uZ0cA4dE6fG8hJ1kM3nP5q";
    public const string SlackBot = "xoxb-907511637265-1676122202972-N0MEQ7wjJJibaZUPgHV7iB3m";
    public const string SlackWebhook = "https://hooks.slack.com/services/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";
    public const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ3YXJkZW4tdGVzdCIsImlhdCI6MTcwMDAwMDAwMH0.Q2x2Y1RrT3pXc1hyM0ZmZ2hpSmtMbU5vUHFSc1R1Vnc";
    public const string Opaque = "RHHJEYXg4JdpmrcXgGCJbW56eCuNGM";

    public const string PrivateKey = """
        -----BEGIN RSA PRIVATE KEY-----
        grcO7n8aUDm+8H7CNH8GbtCPXcdRJEfjQEMAAmtuVFWUoGVoXWTEmAu41FRKhyGp
        mgGtIZ61nPahXvbxWh2DC7fOCda7wATnF1xkPH3ssLWA7De8lxLdLmquuUuujS+f
        opxaKEye91IYKc8QebCA6ddKHBD8q2pC
        -----END RSA PRIVATE KEY-----
        """;

    public const string EnvExample = """
        # Copy to .env and fill in real values; never commit .env
        DATABASE_URL=postgres://user:password@localhost:5432/app
        API_KEY=your-api-key-here
        SECRET_KEY=<generate one with openssl rand -hex 32>
        GITHUB_TOKEN=
        AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
        AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        SMTP_PASSWORD=${SMTP_PASSWORD}
        ADMIN_PASSWORD=changeme
        SLACK_WEBHOOK_URL=https://hooks.slack.com/services/XXXXXXXX
        """;
}
