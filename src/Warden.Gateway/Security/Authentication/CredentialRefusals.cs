using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Warden.Core.Audit;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Records refused credentials (<see cref="AuthEvents.CredentialRefused"/>) without letting a flood fill the audit log:
/// per client address, the first <see cref="RecordedPerWindow"/> refusals of each minute are recorded one by one; the
/// rest are counted, and one summary record with the count is written when the minute is over (at the address's next
/// refusal, or by the minute timer, whichever comes first). A request without any credential is not a refusal: it is
/// how every client starts discovery.
/// </summary>
public sealed class CredentialRefusals : IAsyncDisposable
{
    /// <summary>Refusals recorded individually per client address and window.</summary>
    public const int RecordedPerWindow = 10;

    /// <summary>Addresses tracked at once; past that, refusals of new addresses share one window.</summary>
    public const int MaxAddresses = 10_000;

    private const string Overflow = "(other addresses)";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly AuthAuditor _auditor;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Tally> _tallies = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ITimer _timer;

    public CredentialRefusals(AuthAuditor auditor, TimeProvider time)
    {
        _auditor = auditor;
        _time = time;
        _timer = time.CreateTimer(_ => _ = FlushAsync(CancellationToken.None), null, Window, Window);
    }

    public async ValueTask RecordAsync(HttpContext http, AuthenticationResult result, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        List<(string Address, Tally Tally)> ended;
        bool recordThis;
        lock (_gate)
        {
            ended = TakeEnded(now);
            if (!_tallies.TryGetValue(address, out var tally))
            {
                if (_tallies.Count >= MaxAddresses)
                {
                    address = Overflow;
                }

                tally = _tallies.TryGetValue(address, out var shared) ? shared : _tallies[address] = new Tally(now);
            }

            tally.Count++;
            recordThis = tally.Count <= RecordedPerWindow;
        }

        foreach (var (endedAddress, tally) in ended)
        {
            await SummaryAsync(endedAddress, tally, cancellationToken).ConfigureAwait(false);
        }

        if (recordThis)
        {
            var details = new JsonObject
            {
                ["path"] = http.Request.Path.Value,
                ["status"] = result.Status == AuthenticationStatus.Forbidden ? 403 : 401,
                ["error"] = result.Error,
                ["auth_method"] = result.Method,
                ["credential_fingerprint"] = result.CredentialFingerprint,
            };
            await _auditor.RecordAsync(AuthEvents.CredentialRefused, Anonymous(result.Method), allowed: false, result.Description ?? "credential refused", details, http, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the summaries of windows that are over.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<(string, Tally)> ended;
        lock (_gate)
        {
            ended = TakeEnded(_time.GetUtcNow());
        }

        foreach (var (address, tally) in ended)
        {
            await SummaryAsync(address, tally, cancellationToken).ConfigureAwait(false);
        }
    }

    private List<(string, Tally)> TakeEnded(DateTimeOffset now)
    {
        var ended = new List<(string, Tally)>();
        foreach (var (address, tally) in _tallies)
        {
            if (now - tally.Start >= Window)
            {
                ended.Add((address, tally));
            }
        }

        foreach (var (address, _) in ended)
        {
            _tallies.Remove(address);
        }

        return ended;
    }

    private async Task SummaryAsync(string address, Tally tally, CancellationToken cancellationToken)
    {
        var suppressed = tally.Count - RecordedPerWindow;
        if (suppressed <= 0)
        {
            return;
        }

        var details = new JsonObject
        {
            ["client_address"] = address,
            ["refused"] = tally.Count,
            ["not_recorded_individually"] = suppressed,
            ["window_start"] = tally.Start.UtcDateTime.ToString("O"),
            ["window_seconds"] = (int)Window.TotalSeconds,
        };
        await _auditor.RecordAsync(AuthEvents.CredentialRefused, Anonymous(null), allowed: false,
            $"{tally.Count} credentials refused from {address} within a minute; {suppressed} of them are counted here, not recorded one by one", details, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static AuditUserIdentity Anonymous(string? method) => new() { Subject = "anonymous", AuthMethod = method ?? "unknown" };

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await FlushAllAsync().ConfigureAwait(false);
    }

    // On shutdown the counts of unfinished windows are written too, so no refusal goes uncounted.
    private async Task FlushAllAsync()
    {
        List<(string, Tally)> all;
        lock (_gate)
        {
            all = _tallies.Select(p => (p.Key, p.Value)).ToList();
            _tallies.Clear();
        }

        foreach (var (address, tally) in all)
        {
            await SummaryAsync(address, tally, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private sealed class Tally(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Count { get; set; }
    }
}
