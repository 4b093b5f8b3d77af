using Warden.Core.Authorization;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Core;

/// <summary>The roles and users sections: parsing, the errors bad config gets, and the decisions roles make.</summary>
public sealed class RoleConfigTests
{
    private const string Servers = """
        servers:
          dev-db: { command: db }
          prod-db: { command: db }
          crm: { command: crm }
        """;

    private static WardenConfig Parse(string yaml)
    {
        var result = ConfigParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Config!;
    }

    private static CallerAccess Access(WardenConfig config, params string[] roles) => new RolePolicy(config).For(new Caller("someone", null, "test", roles));

    [Fact]
    public void Parse_RolesAndUsers_ReadsEverySetting()
    {
        var config = Parse(Servers + """

            roles:
              eng:
                description: Engineers
                servers: { allow: ["*"], deny: [prod-*] }
                tools: { deny: ["*__drop_*"] }
                prompts: [review]
                resources: { allow: ["file:///src/*"] }
                readOnly: true
                readOnlyTools: [query]
                requireJustification: ["crm__*"]
                justificationMinLength: 20
                audit: read
              viewer:
                servers: [crm]
                requireJustification: true
            users:
              alice: [eng]
              bob@example.com:
                roles: [viewer, admin]
                displayName: Bob
            """);

        var eng = config.Roles["ENG"];
        Assert.Equal(["*"], eng.Servers.Allow);
        Assert.Equal(["prod-*"], eng.Servers.Deny);
        Assert.Equal(["*"], eng.Tools.Allow);
        Assert.Equal(["*__drop_*"], eng.Tools.Deny);
        Assert.Equal(["review"], eng.Prompts.Allow);
        Assert.Equal(["file:///src/*"], eng.Resources.Allow);
        Assert.True(eng.ReadOnly);
        Assert.Equal(["query"], eng.ReadOnlyTools);
        Assert.Equal(20, eng.JustificationMinLength);
        Assert.Equal(AuditAccess.Read, eng.Audit);
        Assert.Equal(["*"], config.Roles["viewer"].RequireJustification);
        Assert.Equal(["viewer", "admin"], config.Users["BOB@example.com"].Roles);
        Assert.Equal("Bob", config.Users["bob@example.com"].DisplayName);
    }

    [Fact]
    public void Parse_BadRoles_ListsEveryProblemWithItsPath()
    {
        var result = ConfigParser.Parse(Servers + """

            roles:
              admin: { servers: ["*"] }
              "bad name!": {}
              eng:
                servers: [dev-dbb]
                tools: ["prod-dbx__query"]
                audit: write
                colour: blue
              orphan:
                tools: ["*"]
            users:
              alice: [eng, nobody]
            """);

        Assert.False(result.IsValid);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("roles.admin:", StringComparison.Ordinal) && e.Contains("built in", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("roles.bad name!:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("roles.eng.servers:", StringComparison.Ordinal) && e.Contains("'dev-dbb'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("roles.eng.tools:", StringComparison.Ordinal) && e.Contains("'prod-dbx'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("roles.eng.audit:", StringComparison.Ordinal) && e.Contains("none, read", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("roles.eng.colour:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("roles.orphan.servers:", StringComparison.Ordinal) && e.Contains("is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("users.alice.roles:", StringComparison.Ordinal) && e.Contains("'nobody'", StringComparison.Ordinal));
        Assert.Equal(8, errors.Count);
    }

    [Fact]
    public void Access_NoRolesConfigured_AllowsEverything()
    {
        var access = Access(Parse(Servers));

        Assert.True(access.Unrestricted);
        Assert.True(access.Tool("prod-db", "drop_table", readOnlyHint: false).Allowed);
        Assert.True(access.CanReachServer("crm"));
    }

    [Fact]
    public void Access_DenyWithinARole_BeatsItsAllow_ButAnotherRoleMayGrant()
    {
        var config = Parse(Servers + """

            roles:
              eng:
                servers: { allow: ["*"], deny: [prod-*] }
                tools: { allow: ["*"], deny: ["dev-db__drop_*"] }
              ops:
                servers: [dev-db, prod-db]
                tools: [drop_table]
            """);

        var eng = Access(config, "eng");
        Assert.False(eng.CanReachServer("prod-db"));
        Assert.True(eng.Tool("dev-db", "query", false).Allowed);
        var denied = eng.Tool("dev-db", "drop_table", false);
        Assert.False(denied.Allowed);
        Assert.Equal("roles.eng.tools.deny", denied.RuleId);
        Assert.Equal("roles.eng.servers.deny", eng.Tool("prod-db", "query", false).RuleId);

        var both = Access(config, "eng", "ops");
        Assert.True(both.Tool("dev-db", "drop_table", false).Allowed);
        Assert.True(both.Tool("prod-db", "drop_table", false).Allowed);
        Assert.False(both.Tool("prod-db", "query", false).Allowed);
    }

    [Fact]
    public void Access_UnknownRoleNamesAndNoRoles_GrantNothing_AdminGrantsEverything()
    {
        var config = Parse(Servers + "\nroles:\n  eng: { servers: [dev-db] }\n");

        var stranger = Access(config, "Engineering-Typo");
        Assert.False(stranger.CanReachServer("dev-db"));
        var decision = stranger.Tool("dev-db", "query", true);
        Assert.False(decision.Allowed);
        Assert.Equal("roles", decision.RuleId);
        Assert.Contains("Engineering-Typo", decision.Reason, StringComparison.Ordinal);
        Assert.False(Access(config).CanReachServer("dev-db"));
        Assert.False(Access(config).CanReadAudit);

        var admin = Access(config, "Admin");
        Assert.True(admin.Unrestricted);
        Assert.True(admin.CanReadAudit);
        Assert.True(admin.Tool("prod-db", "drop_table", false).Allowed);
        Assert.False(admin.Tool("prod-db", "drop_table", false).NeedsJustification);
    }

    [Fact]
    public void Access_ReadOnlyRole_AllowsOnlyToolsMarkedOrListedReadOnly()
    {
        var config = Parse(Servers + "\nroles:\n  viewer: { servers: [crm], readOnly: true, readOnlyTools: [search_*] }\n");
        var viewer = Access(config, "viewer");

        Assert.True(viewer.Tool("crm", "get_customer", readOnlyHint: true).Allowed);
        Assert.True(viewer.Tool("crm", "search_orders", readOnlyHint: false).Allowed);
        var write = viewer.Tool("crm", "update_customer", readOnlyHint: false);
        Assert.False(write.Allowed);
        Assert.Equal("roles.viewer.readOnly", write.RuleId);
    }

    [Fact]
    public void Access_Justification_RequiredOnlyWhenEveryGrantingRoleAsksForIt()
    {
        var config = Parse(Servers + """

            roles:
              support: { servers: [crm], requireJustification: ["crm__get_*"], justificationMinLength: 12 }
              manager: { servers: [crm], tools: [list_*] }
            """);

        var support = Access(config, "support").Tool("crm", "get_customer", true);
        Assert.True(support.NeedsJustification);
        Assert.Equal(12, support.JustificationMinLength);
        Assert.Equal("roles.support.requireJustification", support.RuleId);
        Assert.False(Access(config, "support").Tool("crm", "list_customers", true).NeedsJustification);
        Assert.False(Access(config, "support", "manager").Tool("crm", "list_customers", true).NeedsJustification);
        Assert.True(Access(config, "support", "manager").Tool("crm", "get_customer", true).NeedsJustification);
    }

    [Fact]
    public void Access_UsersSection_AddsRolesBySubjectOrEmail()
    {
        var config = Parse(Servers + "\nroles:\n  eng: { servers: [dev-db] }\nusers:\n  alice@example.com: [eng]\n");
        var policy = new RolePolicy(config);

        var byEmail = new Caller("00u1abc", "Alice", "oidc", []) { Email = "Alice@Example.com" };
        Assert.Equal(["eng"], policy.RolesOf(byEmail));
        Assert.True(policy.For(byEmail).CanReachServer("dev-db"));
        Assert.False(policy.For(new Caller("mallory", null, "oidc", [])).CanReachServer("dev-db"));
    }

    [Fact]
    public void SampleRolesYaml_LoadsAndDecidesAsTheIssueDescribes()
    {
        var result = ConfigParser.ParseFile(Path.Combine(TestPaths.RepoRoot, "samples", "roles.yaml"), _ => null);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var policy = new RolePolicy(result.Config!);
        CallerAccess As(string email) => policy.For(new Caller(email, null, "oidc", []) { Email = email });

        var alice = As("alice@example.com");
        Assert.True(alice.Tool("analytics-anon", "query", readOnlyHint: false).Allowed);
        Assert.False(alice.CanReachServer("customers-db"));
        Assert.False(alice.CanReadAudit);

        var bob = As("bob@example.com");
        var lookup = bob.Tool("customers-db", "query", readOnlyHint: false);
        Assert.True(lookup.Allowed);
        Assert.Equal(15, lookup.JustificationMinLength);
        Assert.False(bob.Tool("analytics-anon", "query", false).NeedsJustification);
        Assert.False(bob.Tool("customers-db", "update_customer", false).Allowed);

        var carol = As("carol@example.com");
        Assert.True(carol.Tool("dev-postgres", "query", false).Allowed);
        Assert.False(carol.Tool("dev-github", "delete_branch", false).Allowed);
        Assert.False(carol.CanReachServer("prod-postgres"));
        Assert.False(carol.CanReachServer("customers-db"));

        var dana = As("dana@example.com");
        Assert.True(dana.CanReadAudit);
        Assert.DoesNotContain(result.Config!.Servers.Keys, dana.CanReachServer);
    }
}
