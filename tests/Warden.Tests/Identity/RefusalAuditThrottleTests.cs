using System.Net;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity;

/// <summary>A flood of bad tokens from one address leaves a bounded number of audit records, and a count of the rest.</summary>
public sealed class RefusalAuditThrottleTests
{
    [Fact]
    public async Task RefusalFlood_FromOneAddress_RecordsTheFirstTenThenOneSummaryWithTheCount()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer), time: clock);
        var elsewhere = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, "https://other-service.example.com/mcp")).AccessToken;

        for (var i = 0; i < CredentialRefusals.RecordedPerWindow + 5; i++)
        {
            using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", elsewhere);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var during = (await IdentityKit.RecordsAsync(warden)).Where(r => r.Input.Method == AuthEvents.CredentialRefused).ToList();
        Assert.Equal(CredentialRefusals.RecordedPerWindow, during.Count);

        // The minute is over: the next refusal closes it with a summary, then is recorded itself.
        clock.Advance(TimeSpan.FromSeconds(61));
        using (var next = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", elsewhere))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
        }

        var after = (await IdentityKit.RecordsAsync(warden)).Where(r => r.Input.Method == AuthEvents.CredentialRefused).ToList();
        Assert.Equal(CredentialRefusals.RecordedPerWindow + 2, after.Count);
        var summary = Assert.Single(after, r => r.Input.Arguments?["not_recorded_individually"] is not null);
        Assert.Equal(5, summary.Input.Arguments!["not_recorded_individually"]!.GetValue<int>());
        Assert.Equal(CredentialRefusals.RecordedPerWindow + 5, summary.Input.Arguments["refused"]!.GetValue<int>());
        Assert.Equal("127.0.0.1", summary.Input.Arguments["client_address"]!.GetValue<string>());
    }

    [Fact]
    public async Task RequestWithoutCredential_IsNotARefusalRecord()
    {
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config("https://login.example.com"));

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        Assert.DoesNotContain(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.CredentialRefused);
    }
}
