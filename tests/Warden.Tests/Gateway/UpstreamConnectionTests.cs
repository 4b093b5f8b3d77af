using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Gateway.Upstreams;

namespace Warden.Tests.Gateway;

public sealed class UpstreamConnectionTests
{
    [Fact]
    public async Task SendRequest_TransportChecksItsResponseAfterHandingItOver_SeesTheUpstreamId()
    {
        var transport = new AnsweringTransport();
        await using var connection = new UpstreamConnection(new ServerConfig { Name = "fake", Kind = UpstreamKind.Http }, transport, shared: false, NullLogger.Instance, TimeProvider.System);

        var response = await connection.SendRequestAsync(new JsonRpcRequest { Id = new RequestId("client-7"), Method = "tools/call" }, null, null, CancellationToken.None);
        transport.Answered.SetResult();

        Assert.Equal(new RequestId("client-7"), response.Id);
        Assert.Equal(transport.SentId, await transport.IdSeenAfterHandover.Task);
    }

    /// <summary>Answers each request like the SDK's HTTP transport: hands the response over, then reads its id again.</summary>
    private sealed class AnsweringTransport : ITransport
    {
        private readonly Channel<JsonRpcMessage> _messages = Channel.CreateUnbounded<JsonRpcMessage>();

        public RequestId SentId { get; private set; }

        public TaskCompletionSource Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<RequestId> IdSeenAfterHandover { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? SessionId => null;

        public ChannelReader<JsonRpcMessage> MessageReader => _messages.Reader;

        public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            if (message is not JsonRpcRequest request)
            {
                return;
            }

            SentId = request.Id;
            var response = new JsonRpcResponse { Id = request.Id, Result = new JsonObject() };
            await _messages.Writer.WriteAsync(response, cancellationToken);

            // The SDK's transport compares the id once the response is handed over; here, once the caller has it.
            await Answered.Task.WaitAsync(cancellationToken);
            IdSeenAfterHandover.TrySetResult(response.Id);
        }

        public ValueTask DisposeAsync()
        {
            _messages.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
