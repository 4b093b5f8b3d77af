using System.Text;

namespace Warden.Core.Audit.Extraction;

/// <summary>
/// What one SQL text touches: statement kinds, tables and columns. A tokenizer, not a full parser: it knows
/// comments, string literals, quoted identifiers, <c>schema.table</c>, aliases, joins, subqueries and CTEs,
/// which is what an auditor's "who read customers.email?" needs; anything it cannot place is left out rather
/// than guessed.
/// </summary>
public sealed record SqlAccess(IReadOnlyList<string> Statements, IReadOnlyList<string> Tables, IReadOnlyList<string> Columns)
{
    private static readonly HashSet<string> StatementKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "select", "insert", "update", "delete", "merge", "create", "drop", "alter", "truncate", "grant", "revoke", "with", "copy", "replace", "upsert",
    };

    private static readonly HashSet<string> ClauseEnd = new(StringComparer.OrdinalIgnoreCase)
    {
        "where", "group", "order", "having", "limit", "offset", "union", "intersect", "except", "on", "using", "join", "inner", "left", "right",
        "full", "cross", "natural", "outer", "set", "values", "returning", "window", "fetch", "for", "lateral", "select", "when", "then", "as",
    };

    /// <summary>True when <paramref name="text"/> starts like a SQL statement (after comments and whitespace).</summary>
    public static bool LooksLikeSql(string text)
    {
        var tokens = Tokenize(text);
        return tokens.Count >= 2 && tokens[0].Kind == TokenKind.Word && StatementKeywords.Contains(tokens[0].Text)
            && !(tokens[0].Text.Equals("replace", StringComparison.OrdinalIgnoreCase) && tokens[1].Kind != TokenKind.Word);
    }

    /// <summary>Extracts the statement kinds (lowercase), tables (as written, lowercased) and table-qualified columns.</summary>
    public static SqlAccess Parse(string text)
    {
        var tokens = Tokenize(text);
        var statements = new List<string>();
        var tables = new List<string>();
        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var cteNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var columnRefs = new List<(string? Qualifier, string Column)>();
        var statementStart = true;

        // Which open parentheses are function calls: FROM inside extract(year FROM ts) names no table.
        var parens = new Stack<bool>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == TokenKind.Symbol && t.Text == ";")
            {
                statementStart = true;
                parens.Clear();
                continue;
            }

            if (t.Text == "(" && t.Kind == TokenKind.Symbol)
            {
                parens.Push(Previous(tokens, i) is { Kind: TokenKind.Word } f && !StatementKeywords.Contains(f.Text) && !ClauseEnd.Contains(f.Text)
                    && f.Text.ToLowerInvariant() is not ("in" or "exists" or "from" or "into" or "and" or "or" or "not" or "any" or "all" or "table"));
                continue;
            }

            if (t.Text == ")" && t.Kind == TokenKind.Symbol)
            {
                parens.TryPop(out _);
                continue;
            }

            if (t.Kind != TokenKind.Word)
            {
                continue;
            }

            var word = t.Text.ToLowerInvariant();
            if (statementStart || (word is "select" or "insert" or "update" or "delete" or "merge" && IsAfterOpenParen(tokens, i)))
            {
                if (StatementKeywords.Contains(word) && word != "with")
                {
                    statements.Add(word);
                }

                statementStart = false;
            }

            switch (word)
            {
                case "with" when Next(tokens, i) is { Kind: TokenKind.Word } name && Next(tokens, i + 1) is { Text: "as" or "AS" or "As" or "(" }:
                    cteNames.Add(name.Text);
                    break;
                case "from" or "join" or "into" or "update" or "table" when !(parens.TryPeek(out var inFunction) && inFunction):
                    i = ReadTableList(tokens, i + 1, tables, aliases, cteNames, allowList: word == "from");
                    break;
                case "truncate" when Next(tokens, i) is { Kind: TokenKind.Word } after && !after.Text.Equals("table", StringComparison.OrdinalIgnoreCase):
                    i = ReadTableList(tokens, i + 1, tables, aliases, cteNames, allowList: true);
                    break;
                case "select":
                    i = ReadSelectList(tokens, i + 1, columnRefs);
                    break;
            }
        }

        var distinctTables = tables.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var columns = new List<string>();
        foreach (var (qualifier, column) in columnRefs)
        {
            var table = qualifier is null
                ? distinctTables.Count == 1 ? distinctTables[0] : null
                : aliases.TryGetValue(qualifier, out var aliased) ? aliased : distinctTables.FirstOrDefault(x => x.Equals(qualifier, StringComparison.OrdinalIgnoreCase) || x.EndsWith("." + qualifier, StringComparison.OrdinalIgnoreCase));
            if (table is not null)
            {
                columns.Add($"{LastPart(table)}.{column.ToLowerInvariant()}");
            }
        }

        return new SqlAccess(statements.Distinct().ToList(), distinctTables, columns.Distinct(StringComparer.Ordinal).ToList());
    }

    private static bool IsAfterOpenParen(List<Token> tokens, int i) => Previous(tokens, i) is { Text: "(" };

    private static Token? Next(List<Token> tokens, int i) => i + 1 < tokens.Count ? tokens[i + 1] : null;

    private static Token? Previous(List<Token> tokens, int i) => i > 0 ? tokens[i - 1] : null;

    private static string LastPart(string table) => table[(table.LastIndexOf('.') + 1)..];

    // After FROM/JOIN/INTO/UPDATE/TABLE: name [[AS] alias] {, name [[AS] alias]} (lists only after FROM).
    private static int ReadTableList(List<Token> tokens, int i, List<string> tables, Dictionary<string, string> aliases, HashSet<string> cteNames, bool allowList)
    {
        // Skip modifiers such as IF EXISTS, ONLY, LATERAL.
        while (i < tokens.Count && tokens[i].Kind == TokenKind.Word && tokens[i].Text.ToLowerInvariant() is "if" or "not" or "exists" or "only" or "lateral" or "table")
        {
            i++;
        }

        while (i < tokens.Count)
        {
            if (tokens[i].Text == "(")
            {
                // A subquery: its own FROM is found by the main loop.
                return i - 1;
            }

            if (tokens[i].Kind is not (TokenKind.Word or TokenKind.QuotedIdentifier)
                || (tokens[i].Kind == TokenKind.Word && (ClauseEnd.Contains(tokens[i].Text) || tokens[i].Text.ToLowerInvariant() is "of" or "nowait" or "skip" or "do" or "nothing")))
            {
                return i - 1;
            }

            var name = new StringBuilder(tokens[i].Text);
            while (i + 2 < tokens.Count && tokens[i + 1].Text == "." && tokens[i + 2].Kind is TokenKind.Word or TokenKind.QuotedIdentifier)
            {
                name.Append('.').Append(tokens[i + 2].Text);
                i += 2;
            }

            var table = name.ToString().ToLowerInvariant();
            if (!cteNames.Contains(table))
            {
                tables.Add(table);
            }

            i++;
            if (i < tokens.Count && tokens[i].Kind == TokenKind.Word && tokens[i].Text.Equals("as", StringComparison.OrdinalIgnoreCase))
            {
                i++;
            }

            if (i < tokens.Count && tokens[i].Kind is TokenKind.Word or TokenKind.QuotedIdentifier && !ClauseEnd.Contains(tokens[i].Text))
            {
                aliases[tokens[i].Text] = table;
                i++;
            }

            if (!allowList || i >= tokens.Count || tokens[i].Text != ",")
            {
                return i - 1;
            }

            i++;
        }

        return i;
    }

    // The select list up to FROM: plain and qualified column names; expressions contribute the columns they name.
    private static int ReadSelectList(List<Token> tokens, int i, List<(string?, string)> columns)
    {
        var depth = 0;
        for (; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Text == "(")
            {
                depth++;
                continue;
            }

            if (t.Text == ")")
            {
                if (depth == 0)
                {
                    return i - 1;
                }

                depth--;
                continue;
            }

            if (depth == 0 && t.Kind == TokenKind.Word && t.Text.ToLowerInvariant() is "from" or "into" or "where" or "union" or "except" or "intersect" or "order" or "group" or "limit")
            {
                return i - 1;
            }

            if (t.Kind is not (TokenKind.Word or TokenKind.QuotedIdentifier) || (t.Kind == TokenKind.Word && IsSqlWord(t.Text)))
            {
                continue;
            }

            // Function names are followed by "("; aliases follow AS or another name.
            if (Next(tokens, i) is { Text: "(" } || Previous(tokens, i) is { Kind: TokenKind.Word } p && p.Text.Equals("as", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (Next(tokens, i) is { Text: "." } && i + 2 < tokens.Count)
            {
                if (tokens[i + 2].Kind is TokenKind.Word or TokenKind.QuotedIdentifier)
                {
                    columns.Add((t.Text, tokens[i + 2].Text));
                }

                i += 2;
                continue;
            }

            if (Previous(tokens, i) is { Kind: TokenKind.Word or TokenKind.QuotedIdentifier } before && !IsSqlWord(before.Text) && Previous(tokens, i - 1) is not { Text: "." })
            {
                // "expr alias": the second name is an alias.
                continue;
            }

            columns.Add((null, t.Text));
        }

        return i;
    }

    private static bool IsSqlWord(string word) => word.ToLowerInvariant() is "distinct" or "all" or "as" or "case" or "when" or "then" or "else" or "end"
        or "and" or "or" or "not" or "null" or "is" or "in" or "like" or "between" or "true" or "false" or "select" or "top" or "over" or "partition" or "by"
        or "asc" or "desc" or "cast" or "interval" or "current_date" or "current_timestamp" or "exists" or "from"
        or "year" or "month" or "day" or "hour" or "minute" or "second" or "epoch" or "dow" or "week" or "quarter";

    private enum TokenKind
    {
        Word,
        QuotedIdentifier,
        String,
        Number,
        Symbol,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 2;
            }
            else if (c is '\'' or '"' or '`' or '[')
            {
                var close = c == '[' ? ']' : c;
                var start = ++i;
                var value = new StringBuilder();
                while (i < text.Length)
                {
                    if (text[i] == close)
                    {
                        // A doubled quote is an escaped quote.
                        if (close != ']' && i + 1 < text.Length && text[i + 1] == close)
                        {
                            value.Append(close);
                            i += 2;
                            continue;
                        }

                        break;
                    }

                    value.Append(text[i++]);
                }

                i++;
                tokens.Add(new Token(c == '\'' ? TokenKind.String : TokenKind.QuotedIdentifier, value.ToString()));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i]));
            }
            else if (char.IsDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Number, text[start..i]));
            }
            else
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString()));
                i++;
            }
        }

        return tokens;
    }
}
