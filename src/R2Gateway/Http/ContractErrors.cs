using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace R2Gateway.Http;

/// <summary>The Worker API's one writer of a <see cref="ContractException"/>: problem+json with the
/// status of <see cref="ErrorCodes"/>, the code as the <c>code</c> extension and the message as the detail.</summary>
public static class ContractErrors
{
    public static ProblemHttpResult ToProblem(ContractException error) =>
        Problem(ErrorCodes.Status(error.Code), error.Code.ToString(), error.Message);

    /// <summary>Answers <paramref name="error"/> where no handler runs to throw it (a middleware, a limiter's callback).</summary>
    public static Task WriteAsync(HttpContext context, ContractException error)
    {
        foreach (var (name, value) in error.Headers)
        {
            context.Response.Headers[name] = value;
        }

        return ToProblem(error).ExecuteAsync(context);
    }

    /// <summary>The framework's own refusals (Kestrel's 400s and 408), which carry a status but no contract code.</summary>
    internal static ProblemHttpResult Problem(int status, string? code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status,
            extensions: code is null ? null : new Dictionary<string, object?> { ["code"] = code });
}

/// <summary>The Worker API's one place that answers a refusal: a <see cref="ContractException"/> from any
/// layer with its code, malformed requests with a 4xx, the store's I/O failures with a 503, client
/// disconnects with nothing, and anything else with a 500 that carries no internals.</summary>
public sealed partial class ContractExceptionHandler(ILogger<ContractExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.RequestAborted.IsCancellationRequested || exception is ConnectionResetException
            || (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested))
        {
            return true; // the client went away; there is no one to answer
        }

        // The exception handler middleware clears the endpoint; put it back so the metrics, the trace and
        // the audit line name the action a refused request was for.
        if (httpContext.Features.Get<IExceptionHandlerFeature>() is { Endpoint: { } endpoint } feature)
        {
            httpContext.SetEndpoint(endpoint);
            if (feature.RouteValues is { } routeValues)
            {
                httpContext.Request.RouteValues = routeValues;
            }
        }

        if (exception is BadHttpRequestException { StatusCode: not StatusCodes.Status413PayloadTooLarge } bad)
        {
            await ContractErrors.Problem(bad.StatusCode, null, bad.Message).ExecuteAsync(httpContext);
            return true;
        }

        await ContractErrors.WriteAsync(httpContext, ToGatewayError(exception, httpContext));
        return true;
    }

    private ContractException ToGatewayError(Exception exception, HttpContext context)
    {
        switch (exception)
        {
            case ContractException error:
                return error;
            case BadHttpRequestException bad:
                return Error.BodyOverLimit(bad.Message);
            case IOException or InvalidDataException or UnauthorizedAccessException:
                LogStoreFault(logger, exception, context.Request.Method);
                return Error.StorageFault();
            default:
                LogUnhandled(logger, exception, context.Request.Method);
                return Error.Internal();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage I/O failed in {Method} request")]
    private static partial void LogStoreFault(ILogger logger, Exception exception, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} request")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method);
}
