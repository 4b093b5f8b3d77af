using System.Threading.Channels;

namespace Warden.Tests.Infrastructure;

/// <summary>A Server-Sent Events response read in the background: its raw text and its events, as they arrive.</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly System.Text.StringBuilder _raw = new();
    private readonly Task _pump;

    private SseStream(HttpClient http, Stream body)
    {
        _http = http;
        _pump = Task.Run(() => PumpAsync(body));
    }

    /// <summary>Everything received so far, byte for byte (as UTF-8 text).</summary>
    public string Raw
    {
        get
        {
            lock (_raw)
            {
                return _raw.ToString();
            }
        }
    }

    /// <summary>Opens the stream and waits for its first comment (Warden writes it once the subscription exists).</summary>
    public static async Task<SseStream> OpenAsync(string url, string? lastEventId = null, string? bearer = null)
    {
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var opened = new SseStream(http, await response.Content.ReadAsStreamAsync());
        var first = await opened.NextAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("comment", first.Type);
        return opened;
    }

    /// <summary>The next event (comments included, as type "comment"); fails the test after <paramref name="timeout"/>.</summary>
    public async Task<SseEvent> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event within {timeout}; received so far:\n{Raw}");
        }
    }

    /// <summary>The next event that is not a comment.</summary>
    public async Task<SseEvent> NextEventAsync(TimeSpan timeout)
    {
        while (true)
        {
            var next = await NextAsync(timeout);
            if (next.Type != "comment")
            {
                return next;
            }
        }
    }

    private async Task PumpAsync(Stream body)
    {
        try
        {
            using var reader = new StreamReader(body);
            string? type = null, id = null;
            var data = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_raw)
                {
                    _raw.Append(line).Append('\n');
                }

                if (line.Length == 0)
                {
                    if (type is not null || data.Count > 0)
                    {
                        _events.Writer.TryWrite(new SseEvent(type ?? "message", id, string.Join("\n", data)));
                    }

                    (type, id) = (null, null);
                    data.Clear();
                }
                else if (line.StartsWith(':'))
                {
                    type = "comment";
                    data.Add(line[1..].Trim());
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line["event:".Length..].Trim();
                }
                else if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    id = line["id:".Length..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Add(line["data:".Length..].TrimStart());
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _http.Dispose();
        await _pump;
        _stop.Dispose();
    }
}

/// <summary>One server-sent event.</summary>
internal sealed record SseEvent(string Type, string? Id, string Data);
