using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using R2Gateway.Storage;

namespace R2Gateway.Http;

/// <summary>Turns failures into the contract's problem+json answers: one place for every status and code.</summary>
public static class ContractErrors
{
    public static int StatusOf(StoreErrorCode code) => code switch
    {
        StoreErrorCode.NoSuchUpload or StoreErrorCode.NoSuchKey or StoreErrorCode.NoSuchBucket => StatusCodes.Status404NotFound,
        StoreErrorCode.BucketNotEmpty or StoreErrorCode.BucketAlreadyOwnedByYou or StoreErrorCode.InvalidBucketState => StatusCodes.Status409Conflict,
        StoreErrorCode.NotImplemented => StatusCodes.Status501NotImplemented,
        StoreErrorCode.EntityTooLarge => StatusCodes.Status413PayloadTooLarge,
        StoreErrorCode.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        StoreErrorCode.AccessDenied => StatusCodes.Status403Forbidden,
        StoreErrorCode.Conflict => StatusCodes.Status409Conflict,
        StoreErrorCode.ServiceUnavailable => StatusCodes.Status503ServiceUnavailable,
        StoreErrorCode.BadGateway => StatusCodes.Status502BadGateway,
        StoreErrorCode.GatewayTimeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status400BadRequest,
    };

    public static ProblemHttpResult Problem(StoreErrorCode code, string detail) =>
        Problem(StatusOf(code), code.ToString(), detail);

    public static ProblemHttpResult Problem(int status, string? code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status,
            extensions: code is null ? null : new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult InvalidArgument(string detail) => Problem(StoreErrorCode.InvalidArgument, detail);
}

/// <summary>Answers exceptions that escape a handler: store errors with their code, malformed
/// requests with a 4xx, client disconnects with nothing, and anything else with a 500 that
/// carries no internals.</summary>
public sealed partial class ContractExceptionHandler(ILogger<ContractExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.RequestAborted.IsCancellationRequested || exception is ConnectionResetException
            || (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested))
        {
            return true; // the client went away; there is no one to answer
        }

        var problem = exception switch
        {
            StoreException e => ContractErrors.Problem(e.Code, e.Message),
            BadHttpRequestException e => ContractErrors.Problem(e.StatusCode,
                e.StatusCode == StatusCodes.Status413PayloadTooLarge ? nameof(StoreErrorCode.EntityTooLarge) : null,
                e.Message),
            IOException or InvalidDataException or UnauthorizedAccessException => StoreFault(exception, httpContext),
            _ => null,
        };

        if (problem is null)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method);
            problem = ContractErrors.Problem(StatusCodes.Status500InternalServerError, "InternalError",
                "The gateway failed to handle this request; the error is in its log.");
        }

        await problem.ExecuteAsync(httpContext);
        return true;
    }

    private ProblemHttpResult StoreFault(Exception exception, HttpContext context)
    {
        LogStoreFault(logger, exception, context.Request.Method);
        return ContractErrors.Problem(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
            "The storage backend failed to complete the operation; try again. The cause is in the gateway's log.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage I/O failed in {Method} request")]
    private static partial void LogStoreFault(ILogger logger, Exception exception, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} request")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method);
}
