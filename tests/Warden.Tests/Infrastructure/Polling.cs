namespace Warden.Tests.Infrastructure;

/// <summary>Waits for an observable condition (a file watcher has no completion event to await).</summary>
internal static class Polling
{
    public static void Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }

            Thread.Sleep(100);
        }
    }
}
