using Microsoft.AspNetCore.Http.Features;

namespace R2Gateway.Http;

/// <summary>
/// A client that sent <c>Expect: 100-continue</c> and got a final answer instead may never send its
/// body (botocore does not), while Kestrel would take the next request's first bytes as that body
/// and desynchronise the connection. When the answer starts and the body was never read, the
/// connection is closed after it.
/// </summary>
public static class UnsentBodies
{
    public static IApplicationBuilder UseCloseOnUnsentBody(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase)
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { } body)
        {
            context.Response.OnStarting(() =>
            {
                if (!body.IsReadOnly) // read-only once the body is being read, i.e. "100 Continue" went out
                {
                    context.Response.Headers.Connection = "close";
                }

                return Task.CompletedTask;
            });
        }

        return next(context);
    });
}
