using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The server-rendered pages of the sign-in: login, consent and errors. Plain HTML forms (no script), every value
/// HTML-encoded, every form carrying its anti-forgery token; the pages may not be framed (clickjacking).
/// </summary>
internal static class OAuthPages
{
    public static IResult Login(string returnUrl, string csrf, string? error, string? userName, bool adminKey, IEnumerable<IUpstreamLogin> upstream, int status = StatusCodes.Status200OK)
    {
        var body = new StringBuilder();
        body.Append("<h1>Sign in to Warden</h1>");
        if (error is not null)
        {
            body.Append("<p class=\"error\" role=\"alert\">").Append(E(error)).Append("</p>");
        }

        foreach (var login in upstream)
        {
            body.Append("<p><a class=\"button\" href=\"").Append(E($"{OAuthPaths.Login}/{Uri.EscapeDataString(login.Name)}?returnUrl={Uri.EscapeDataString(returnUrl)}")).Append("\">")
                .Append(E(login.DisplayName)).Append("</a></p>");
        }

        body.Append("<form method=\"post\" action=\"").Append(OAuthPaths.Login).Append("\">")
            .Append(Hidden("csrf", csrf)).Append(Hidden("returnUrl", returnUrl))
            .Append("<label>User name <input name=\"username\" autocomplete=\"username\" required value=\"").Append(E(userName ?? "")).Append("\"></label>")
            .Append("<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>")
            .Append("<button type=\"submit\">Sign in</button></form>");
        if (adminKey)
        {
            body.Append("<form method=\"post\" action=\"").Append(OAuthPaths.Login).Append("\">")
                .Append(Hidden("csrf", csrf)).Append(Hidden("returnUrl", returnUrl))
                .Append("<label>Admin key <input name=\"admin_key\" type=\"password\" autocomplete=\"off\" required></label>")
                .Append("<button type=\"submit\">Sign in with the admin key</button></form>");
        }

        return Page("Sign in", body.ToString(), status);
    }

    public static IResult Consent(string csrf, string subject, string clientName, string clientId, string redirectHost, IEnumerable<string> scopes, IEnumerable<string> resources, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var body = new StringBuilder();
        body.Append("<h1>Allow access?</h1>")
            .Append("<p><strong>").Append(E(clientName)).Append("</strong> wants to use Warden as <strong>").Append(E(subject)).Append("</strong>.</p>")
            .Append("<dl><dt>Client id</dt><dd><code>").Append(E(clientId)).Append("</code></dd>")
            .Append("<dt>Sends you back to</dt><dd><code>").Append(E(redirectHost)).Append("</code></dd>")
            .Append("<dt>Access</dt><dd>").Append(E(string.Join(", ", scopes))).Append("</dd>")
            .Append("<dt>Endpoints</dt><dd>").Append(E(string.Join(", ", resources))).Append("</dd></dl>")
            .Append("<p>Everything the client does through Warden is recorded under your name. Only allow clients you started yourself.</p>")
            .Append("<form method=\"post\" action=\"").Append(OAuthPaths.Authorize).Append("\">").Append(Hidden("csrf", csrf));
        foreach (var (name, value) in parameters)
        {
            body.Append(Hidden(name, value ?? ""));
        }

        body.Append("<button type=\"submit\" name=\"consent\" value=\"approve\">Allow</button> ")
            .Append("<button type=\"submit\" name=\"consent\" value=\"deny\">Deny</button></form>");
        return Page("Allow access", body.ToString(), StatusCodes.Status200OK);
    }

    public static IResult Error(string message, int status) =>
        Page("Sign-in problem", $"<h1>Sign-in problem</h1><p class=\"error\" role=\"alert\">{E(message)}</p>", status);

    private static IResult Page(string title, string body, int status) => new HtmlPage(
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{E(title)} · Warden</title>" +
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}" +
        "input{display:block;width:100%;padding:.4rem}button,.button{padding:.5rem 1rem;margin-top:.8rem}.error{color:#a00}dt{font-weight:bold}</style></head>" +
        $"<body>{body}</body></html>", status);

    private static string Hidden(string name, string value) => $"<input type=\"hidden\" name=\"{E(name)}\" value=\"{E(value)}\">";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private sealed class HtmlPage(string html, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.XFrameOptions = "DENY";
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            return http.Response.WriteAsync(html, http.RequestAborted);
        }
    }
}
