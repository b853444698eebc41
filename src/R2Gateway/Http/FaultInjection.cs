namespace R2Gateway.Http;

/// <summary>A test-only fault switch, off by default: with <c>Testing:FailEveryNthPartRequest</c> = N &gt; 0,
/// every Nth <c>mpu-uploadpart</c> request is answered 503 before its body is read, so that a
/// client's retries can be proven against a real gateway.</summary>
public sealed class FaultInjection(RequestDelegate next, int everyNth)
{
    public const string SettingKey = "Testing:FailEveryNthPartRequest";

    private long _partRequests;

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsPut(context.Request.Method) && context.Request.Action() == "mpu-uploadpart"
            && Interlocked.Increment(ref _partRequests) % everyNth == 0)
        {
            await ContractErrors.Problem(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                $"Injected fault ({SettingKey} = {everyNth}): send the part again.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}

public static class FaultInjectionExtensions
{
    /// <summary>Adds <see cref="FaultInjection"/> only when the setting is on; in production nothing is added.</summary>
    public static IApplicationBuilder UseFaultInjection(this WebApplication app) =>
        app.Configuration.GetValue<int>(FaultInjection.SettingKey) is var everyNth and > 0
            ? app.UseMiddleware<FaultInjection>(everyNth)
            : app;
}
