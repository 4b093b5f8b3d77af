using Microsoft.Extensions.DependencyInjection;
using Warden.Core.Audit;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway.AuthorizationServer;

/// <summary>The identity records (source auth) a Warden wrote so far.</summary>
internal static class AuthRecords
{
    public static async Task<List<AuditRecord>> ReadAsync(WardenHost warden)
    {
        var store = warden.Services.GetRequiredService<IAuditStore>();
        var records = new List<AuditRecord>();
        await foreach (var record in store.ReadAsync(0, CancellationToken.None))
        {
            if (record.Source == AuditSource.Auth)
            {
                records.Add(record);
            }
        }

        return records;
    }

    public static async Task<List<string>> MethodsAsync(WardenHost warden) =>
        [.. (await ReadAsync(warden)).Select(r => r.Input.Method)];
}
