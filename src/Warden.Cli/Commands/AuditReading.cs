using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// How the read-only commands open sealed personal fields: with the data directory's privacy master key and the key
/// table (both opened read-only, nothing is created); without the key, sealed fields read as <c>[encrypted]</c>.
/// </summary>
internal sealed class AuditReading : IDisposable
{
    private readonly AuditMasterKey? _master;
    private readonly SqliteSubjectKeyStore? _keys;

    private AuditReading(AuditMasterKey? master, SqliteSubjectKeyStore? keys)
    {
        _master = master;
        _keys = keys;
        Sealer = new AuditRecordSealer(keys);
    }

    public AuditRecordSealer Sealer { get; }

    /// <summary>The keys of subjects, or null when this data directory has no privacy key.</summary>
    public ISubjectKeyStore? Keys => _keys;

    /// <summary>Opens the keys for <paramref name="databasePath"/>; null (reason on stderr) when the privacy key exists but cannot be used.</summary>
    public static AuditReading? Open(string dataDirectory, string databasePath)
    {
        try
        {
            var master = AuditMasterKey.TryLoad(dataDirectory);
            return new AuditReading(master, master is null ? null : SqliteSubjectKeyStore.Open(databasePath, master, TimeProvider.System, readOnly: true));
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return null;
        }
    }

    public void Dispose()
    {
        _keys?.Dispose();
        _master?.Dispose();
    }
}
