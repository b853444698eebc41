namespace R2Gateway.Http;

/// <summary>Gives every bodiless error a problem+json body: the routing's and the file result's
/// 4xx answers (412, 416) come without one, and the contract says every error has one.</summary>
public sealed class ProblemBodies(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null or 0
            && !context.RequestAborted.IsCancellationRequested)
        {
            response.ContentLength = null;
            response.ContentType = null;
            await problems.TryWriteAsync(new() { HttpContext = context, ProblemDetails = { Status = response.StatusCode } });
        }
    }
}
