namespace R2Gateway.Http;

/// <summary>Test-only fault switches, off by default, so that a client's recovery can be proven
/// against a real gateway:
/// <list type="bullet">
/// <item><c>Testing:FailEveryNthPartRequest</c> = N &gt; 0: every Nth <c>mpu-uploadpart</c> request is
/// answered 503 before its body is read.</item>
/// <item><c>Testing:LoseFirstCompleteAnswer</c> = true: the first <c>mpu-complete</c> runs to the end,
/// then its connection is dropped before any byte of the answer is sent (a lost response).</item>
/// </list></summary>
public sealed class FaultInjection(RequestDelegate next, int everyNth, bool loseFirstCompleteAnswer)
{
    public const string SettingKey = "Testing:FailEveryNthPartRequest";
    public const string LoseCompleteAnswerKey = "Testing:LoseFirstCompleteAnswer";

    private long _partRequests;
    private int _completes;

    public async Task InvokeAsync(HttpContext context)
    {
        if (everyNth > 0 && HttpMethods.IsPut(context.Request.Method) && context.Request.Action() == "mpu-uploadpart"
            && Interlocked.Increment(ref _partRequests) % everyNth == 0)
        {
            await ContractErrors.Problem(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                $"Injected fault ({SettingKey} = {everyNth}): send the part again.").ExecuteAsync(context);
            return;
        }

        if (loseFirstCompleteAnswer && HttpMethods.IsPost(context.Request.Method) && context.Request.Action() == "mpu-complete"
            && Interlocked.Increment(ref _completes) == 1)
        {
            context.Response.Body = Stream.Null; // the answer goes nowhere: the server never starts sending it
            await next(context);
            context.Abort();
            return;
        }

        await next(context);
    }
}

public static class FaultInjectionExtensions
{
    /// <summary>Adds <see cref="FaultInjection"/> only when a switch is on; in production nothing is added.</summary>
    public static IApplicationBuilder UseFaultInjection(this WebApplication app)
    {
        var everyNth = app.Configuration.GetValue<int>(FaultInjection.SettingKey);
        var loseComplete = app.Configuration.GetValue<bool>(FaultInjection.LoseCompleteAnswerKey);
        return everyNth > 0 || loseComplete ? app.UseMiddleware<FaultInjection>(Math.Max(everyNth, 0), loseComplete) : app;
    }
}
