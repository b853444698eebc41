using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Http;

namespace R2Gateway.Testing;

/// <summary>Faults injected into a gateway hosted by a test, so that a client's recovery can be proven
/// against a real gateway; a startup filter of the test host, never part of the product.</summary>
/// <param name="FailEveryNthPart">N &gt; 0: every Nth <c>mpu-uploadpart</c> request is answered 503 before its body is read.</param>
/// <param name="LoseFirstCompleteAnswer">The first <c>mpu-complete</c> runs to the end, then its connection
/// is dropped before any byte of the answer is sent (a lost response).</param>
public sealed record Faults(int FailEveryNthPart = 0, bool LoseFirstCompleteAnswer = false)
{
    private long _partRequests;
    private int _completes;

    public void AddTo(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new Filter(this));

    private async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var action = context.Request.Query["action"].ToString();
        if (FailEveryNthPart > 0 && HttpMethods.IsPut(context.Request.Method) && action == "mpu-uploadpart"
            && Interlocked.Increment(ref _partRequests) % FailEveryNthPart == 0)
        {
            await ContractErrors.WriteAsync(context, Error.Unavailable($"Injected fault (every {FailEveryNthPart}th part request): send the part again."));
            return;
        }

        if (LoseFirstCompleteAnswer && HttpMethods.IsPost(context.Request.Method) && action == "mpu-complete"
            && Interlocked.Increment(ref _completes) == 1)
        {
            context.Response.Body = Stream.Null; // the answer goes nowhere: the server never starts sending it
            await next(context);
            context.Abort();
            return;
        }

        await next(context);
    }

    private sealed class Filter(Faults faults) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) => faults.InvokeAsync(context, nextMiddleware));
            next(app);
        };
    }
}
