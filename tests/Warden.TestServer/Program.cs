using Warden.TestServer.Hosting;

// The test upstream for Warden's integration tests, conformance runs and benchmarks. One binary, two
// transports, so a fault test can prove the same behaviour over stdio and Streamable HTTP.
var options = TestServerOptions.Parse(args, out var error);
if (options is null)
{
    await Console.Error.WriteLineAsync(error);
    await Console.Error.WriteLineAsync(TestServerOptions.Usage);
    return 2;
}

return options.Transport == TestServerTransport.Stdio
    ? await StdioHost.RunAsync(options)
    : await HttpHost.RunAsync(options);
