using System.Buffers;
using System.Text.RegularExpressions;

namespace Warden.Core.Audit.Redaction;

/// <summary>
/// The secrets Warden always looks for, compiled into one linear-time regex (RegexOptions.NonBacktracking): one
/// pass over a text finds the leftmost secret of any kind, and no input can make it slow. At one position the
/// earlier rule wins, so the specific ones come before the general assignment rule.
/// </summary>
internal static class BuiltInRules
{
    // An optional quote around a key, plain or escaped (JSON inside a JSON string, as logs print it).
    private const string KeyQuote = @"(?:\\?[""'])?";

    // An unquoted value: up to a blank, a quote, a separator or an escaped line end or quote (JSON text inside a
    // string); any other backslash pair (an escaped backslash, \u002B) is part of the value.
    private const string Unquoted = @"(?:[^\s""'\\,;&<>]|\\[^nrt""'])+";

    // A quoted value, in double, single or escaped double quotes.
    private const string Quoted = @"""(?<s>[^""\r\n]*)""|'(?<s>[^'\r\n]*)'|\\""(?<s>[^""\\\r\n]*)\\""";

    /// <summary>The rules, in priority order. Names are part of the record format: never rename one.</summary>
    public static IReadOnlyList<RedactionRule> All { get; } =
    [
        // The whole block, headers included; a block cut off before its END line is masked to the end of the text.
        new("private-key", @"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$)") { SkipsPlaceholders = false },
        new("aws-access-key-id", @"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),

        // 40 characters of base64 are only an AWS secret next to its name (a bare one is as likely a git SHA).
        new("aws-secret-access-key", @"(?i:secret_?(?:access_?)?key)" + KeyQuote + @"[ \t]*[:=][ \t]*(?:\\?[""'])?(?<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"),
        new("github-token", @"\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})\b"),
        new("gitlab-token", @"\bgl(?:pat|dt|rt|ptt)-[A-Za-z0-9_\-]{20,}"),
        new("warden-api-key", @"\bwdn_[a-z2-7]{12}_[A-Za-z0-9]{43}\b"),
        new("slack-webhook", @"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+\-]+"),
        new("slack-token", @"\bxox[abprse]-[A-Za-z0-9\-]{10,}"),
        new("jwt", @"\beyJ[A-Za-z0-9_\-]{2,}\.eyJ[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*"),
        new("bearer-token", @"\b(?i:bearer)[ \t]+(?<s>[A-Za-z0-9._~+/\-]{20,}=*)"),

        // scheme://user:password@host: only the password goes; brackets are excluded so a marker never matches again.
        new("url-password", @"://[^\s/?#@:""'<>\[\]]*:(?<s>[^\s/?#@""'<>\[\]]+)@"),

        // Password=/Pwd= inside a connection string: after a ';', or followed by one (so a shell's PWD=/home/x is not one).
        new("connection-string-password", @";[ \t]{0,8}(?i:password|pwd)[ \t]*=[ \t]*(?<s>'[^']*'|""[^""]*""|[^;'""\r\n]+)|\b(?i:password|pwd)[ \t]*=[ \t]*(?<s>'[^']*'|""[^""]*""|[^;'""\r\n]+);"),

        // NAME=value, NAME: value, "name": "value" where the name ends in a secret word (DB_PASSWORD, apiKey,
        // client_secret, X-Auth-Token). After ':' an unquoted value must end its line (a newline, an escaped one
        // as in JSON text, or the end of a JSON string), so prose such as "reset your password: click the link"
        // is not a secret.
        new("secret-assignment",
            @"(?i:pass(?:word|wd|phrase)|secret(?:[_\-]?key)?|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|auth[_\-]?key|credentials?)" + KeyQuote + @"[ \t]*"
            + @"(?:=[ \t]*(?:" + Quoted + @"|(?<s>" + Unquoted + @"))"
            + @"|:[ \t]*(?:" + Quoted + @"|(?<s>" + Unquoted + @")[ \t]*(?:#[^\r\n\\]*)?(?:\r?\n|\\r\\n|\\n|\\?""|$)))"),
    ];

    /// <summary>The words of <see cref="Triggers"/> (declared first: static initialisers run in order).</summary>
    public static string[] TriggerWords { get; } =
    [
        "-----BEGIN", "AKIA", "ASIA", "ABIA", "ACCA", "A3T", "secret", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
        "glpat-", "gldt-", "glrt-", "glptt-", "wdn_", "xox", "eyJ", "bearer", "://", "pwd", "pass", "token", "apikey", "api_key",
        "api-key", "accesskey", "access_key", "access-key", "privatekey", "private_key", "private-key", "authkey", "auth_key",
        "auth-key", "credential",
    ];

    /// <summary>
    /// Every match of every rule contains one of these (case-insensitively) within <see cref="Lookback"/> characters
    /// of its start, so text without any is skipped without running the regex at all, and the regex starts near the first.
    /// </summary>
    public static SearchValues<string> Triggers { get; } = SearchValues.Create(TriggerWords, StringComparison.OrdinalIgnoreCase);

    /// <summary>How far before its trigger a match may start (";" and up to 8 blanks before "password"; "https" before "://").</summary>
    public const int Lookback = 16;
}
