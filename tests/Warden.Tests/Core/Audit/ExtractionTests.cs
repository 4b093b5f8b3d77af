using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Extraction;
using Warden.Core.Configuration;

namespace Warden.Tests.Core.Audit;

/// <summary>What the records say an action touched: SQL tables and columns, files, URLs, hosts, mailboxes, searches, rows.</summary>
public sealed class ExtractionTests
{
    [Theory]
    [InlineData("SELECT email, name FROM customers WHERE id = 1", "select", "customers", "customers.email,customers.name")]
    [InlineData("select c.email from public.customers c join orders o on o.customer_id = c.id", "select", "public.customers,orders", "customers.email")]
    [InlineData("SELECT \"Email\" FROM \"Customers\" -- trailing comment", "select", "customers", "customers.email")]
    [InlineData("/* who */ DELETE FROM sessions", "delete", "sessions", "")]
    [InlineData("UPDATE accounts SET balance = 0 WHERE id = 'x; DROP TABLE users'", "update", "accounts", "")]
    [InlineData("DROP TABLE IF EXISTS audit_backup", "drop", "audit_backup", "")]
    [InlineData("TRUNCATE payments", "truncate", "payments", "")]
    [InlineData("INSERT INTO events (kind) VALUES ('x')", "insert", "events", "")]
    [InlineData("WITH recent AS (SELECT id FROM orders) SELECT id FROM recent", "select", "orders", "orders.id")]
    [InlineData("SELECT extract(year FROM created_at) FROM invoices", "select", "invoices", "invoices.created_at")]
    [InlineData("SELECT * FROM a; SELECT x FROM b", "select", "a,b", "")]
    [InlineData("SELECT id FROM (SELECT id FROM users) AS u", "select", "users", "users.id")]
    public void SqlAccess_Parse_FindsStatementTablesAndColumns(string sql, string statements, string tables, string columns)
    {
        var access = SqlAccess.Parse(sql);

        Assert.Equal(statements.Split(','), access.Statements);
        Assert.Equal(tables.Split(','), access.Tables);
        Assert.Equal(columns.Length == 0 ? [] : columns.Split(','), access.Columns);
    }

    [Theory]
    [InlineData("select 1", true)]
    [InlineData("  -- note\n  SELECT * FROM t", true)]
    [InlineData("the selection of files", false)]
    [InlineData("Update the README", true)]
    [InlineData("hello world", false)]
    public void SqlAccess_LooksLikeSql_TellsQueriesFromProse(string text, bool expected) =>
        Assert.Equal(expected, SqlAccess.LooksLikeSql(text));

    [Theory]
    [InlineData("/home/alice/./project//src/../.env", "/home/alice/project/.env")]
    [InlineData("/../etc/passwd", "/etc/passwd")]
    [InlineData("~/.ssh/id_rsa", "~/.ssh/id_rsa")]
    [InlineData("../secrets/./key.pem", "../secrets/key.pem")]
    [InlineData(@"C:\Users\bob\..\alice\.aws\credentials", "C:/Users/alice/.aws/credentials")]
    [InlineData("src/", "src")]
    public void PathNormalizer_Normalize_IsLexicalAndStable(string path, string expected) =>
        Assert.Equal(expected, PathNormalizer.Normalize(path));

    [Fact]
    public void Extract_WellKnownArguments_FindsFilesUrlsHostsAndMailboxes()
    {
        var arguments = JsonNode.Parse("""
            {"path": "/work/app/../app/.env", "url": "https://bob:hunter2@api.example.com:8443/v1/users?id=7",
             "options": {"files": ["a.txt", "./b.txt"]}, "to": "Alice@Example.com; bob@example.com", "note": "plain text"}
            """);

        var found = ResourceExtractor.Default.Extract("fs", "read_file", arguments, null);

        Assert.Contains(found, r => r.Kind == "file" && r.Value == "/work/app/.env");
        Assert.Contains(found, r => r.Kind == "file" && r.Value == "b.txt");
        Assert.Contains(found, r => r.Kind == "url" && r.Value == "https://api.example.com:8443/v1/users?id=7");
        Assert.DoesNotContain(found, r => r.Value.Contains("hunter2", StringComparison.Ordinal));
        Assert.Contains(found, r => r.Kind == "host" && r.Value == "api.example.com:8443");
        Assert.Contains(found, r => r.Kind == "mailbox" && r.Value == "alice@example.com");
        Assert.Contains(found, r => r.Kind == "mailbox" && r.Value == "bob@example.com");
        Assert.DoesNotContain(found, r => r.Value == "plain text");
    }

    [Fact]
    public void Extract_SqlQueryWithRowCountInResult_RecordsTablesColumnsAndRows()
    {
        var arguments = JsonNode.Parse("""{"sql": "SELECT email FROM customers WHERE region = 'eu'"}""");
        var result = JsonNode.Parse("""{"content": [], "structuredContent": {"rows": [{"email": "a"}, {"email": "b"}, {"email": "c"}]}}""");

        var found = ResourceExtractor.Default.Extract("db", "query", arguments, result);

        var table = Assert.Single(found, r => r.Kind == "sql_table");
        Assert.Equal("customers", table.Value);
        Assert.Equal(3, table.Rows);
        Assert.Equal("select", table.Attributes!["statement"]);
        Assert.Contains(found, r => r.Kind == "sql_column" && r.Value == "customers.email");
    }

    [Fact]
    public void Extract_SearchArguments_RecordIndexAndQuery()
    {
        var found = ResourceExtractor.Default.Extract("es", "search", JsonNode.Parse("""{"index": "tickets-2026", "query": "refund fraud"}"""), null);

        var search = Assert.Single(found, r => r.Kind == "search");
        Assert.Equal("tickets-2026", search.Value);
        Assert.Equal("refund fraud", search.Attributes!["query"]);
    }

    [Fact]
    public void Extract_ConfiguredRule_ReplacesHeuristicsForItsTools()
    {
        var extractor = new ResourceExtractor([new ExtractRule("warehouse", "run_*", "sql", "arguments.stmt.text"), new ExtractRule("warehouse", "run_*", "dataset", "arguments.dataset")]);
        var arguments = JsonNode.Parse("""{"stmt": {"text": "select ssn from people"}, "dataset": "hr", "path": "/not/a/file/here"}""");

        var found = extractor.Extract("warehouse", "run_query", arguments, null);

        Assert.Contains(found, r => r.Kind == "sql_table" && r.Value == "people");
        Assert.Contains(found, r => r.Kind == "sql_column" && r.Value == "people.ssn");
        Assert.Contains(found, r => r.Kind == "dataset" && r.Value == "hr");
        Assert.DoesNotContain(found, r => r.Kind == "file");

        // Other servers still get the built-in extraction.
        Assert.Contains(extractor.Extract("fs", "read", arguments, null), r => r.Kind == "file");
    }

    [Fact]
    public void ConfigParser_BadExtractRule_ListsEveryProblemWithItsPath()
    {
        var result = ConfigParser.Parse("""
            audit:
              extract:
                - server: db
                  from: stmt.text
                - kind: sql
                  from: arguments.sql
                  colour: blue
            """);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == "audit.extract[0].kind");
        Assert.Contains(result.Errors, e => e.Path == "audit.extract[0].from" && e.Message.Contains("arguments.", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == "audit.extract[1].colour");
    }
}
