using Microsoft.AspNetCore.Http;

namespace Warden.TestServer.Hosting;

/// <summary>Counts, over every HTTP request this server received, those that carried an Authorization header.</summary>
public static class RequestLog
{
    private static int s_authorizationSeen;
    private static int s_requestsSeen;

    public static int AuthorizationSeen => Volatile.Read(ref s_authorizationSeen);

    public static int RequestsSeen => Volatile.Read(ref s_requestsSeen);

    public static Task ObserveAsync(HttpContext context, RequestDelegate next)
    {
        Interlocked.Increment(ref s_requestsSeen);
        if (context.Request.Headers.ContainsKey("Authorization"))
        {
            Interlocked.Increment(ref s_authorizationSeen);
        }

        return next(context);
    }
}
