using Microsoft.AspNetCore.Http.HttpResults;
using R2Gateway.Hooks;
using R2Gateway.Http;
using R2Gateway.Security;

namespace R2Gateway.Actions;

/// <summary>
/// THE dispatch table: (method, action) → the permission a token needs → handler, as in the Worker's switch statement.
/// Each row is its own endpoint on <c>/{**key}</c>; <see cref="ObjectActionMatcherPolicy"/>
/// picks the row whose action equals the request's <c>?action=</c>.
/// </summary>
public static class ActionTable
{
    public const string Pattern = "/{**key}";

    private static readonly string[] KnownMethods = ["GET", "HEAD", "PUT", "POST", "DELETE"];

    public static IEndpointRouteBuilder MapObjectActions(this IEndpointRouteBuilder app)
    {
        app.MapAction("mpu-create", Right.Write, "Start a multipart upload", MultipartActions.CreateAsync, "POST")
            .WithUploadChecks();
        app.MapAction("mpu-uploadpart", Right.Write, "Upload one part (uploadId, partNumber); the body is the part", MultipartActions.UploadPartAsync, "PUT")
            .LimitConcurrentUploads()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        app.MapAction("mpu-complete", Right.Write, "Assemble the listed parts into the object", MultipartActions.CompleteAsync, "POST")
            .WithUploadChecks()
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapAction("mpu-abort", Right.Delete, "Drop an unfinished upload and its parts (204 also when it is finished already)", MultipartActions.AbortAsync, "DELETE");
        app.MapAction("mpu-listparts", Right.Read, "The parts uploaded so far, for resuming", MultipartActions.ListPartsAsync, "GET");
        app.MapAction("get", Right.Read, "Read the object (Range and conditional headers honoured; HEAD for headers only)", ObjectActions.GetAsync, "GET", "HEAD")
            .Produces(StatusCodes.Status206PartialContent).Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);
        app.MapAction("put", Right.Write, "Upload the object in one request (up to 5 GiB)", ObjectActions.PutAsync, "PUT")
            .WithUploadChecks()
            .LimitConcurrentUploads()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        app.MapAction("delete", Right.Delete, "Delete the object", ObjectActions.DeleteAsync, "DELETE");
        app.MapAction("list", Right.Read, "List objects (prefix, delimiter, cursor, limit)", ObjectActions.ListAsync, "GET");
        app.MapAction("presign", Right.Presign, "A time-limited URL for a PUT or GET of this key", PresignActions.PresignAsync, "POST");
        app.MapAction("s3-sign", Right.Presign, "A short-lived SigV4 URL for one S3 request on this key (create, part, complete, abort, list parts, put), for Uppy's AwsS3 plugin", PresignActions.SignS3Async, "POST");
        app.MapAction("mpu-presign-part", Right.Presign, "A time-limited URL to PUT one part (uploadId, partNumber) directly", PresignActions.PresignPartAsync, "POST");

        // Whatever no row takes: a missing or unknown action, or a method the gateway does not serve.
        app.Map(Pattern, Unmatched).WithMetadata(ObjectActionMetadata.Unmatched).AddEndpointFilter<ObjectAccessFilter>().ExcludeFromDescription();
        return app;
    }

    private static RouteHandlerBuilder MapAction(this IEndpointRouteBuilder app, string action, Right right, string summary, Delegate handler, params string[] methods) =>
        app.MapMethods(Pattern, methods, handler)
            .WithMetadata(new ObjectActionMetadata(action, right))
            .WithName(action)
            .WithSummary(summary)
            .WithTags(action.StartsWith("mpu-", StringComparison.Ordinal) ? "Multipart" : "Objects")
            .AddEndpointFilter<ObjectAccessFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

    private static ProblemHttpResult Unmatched(HttpContext context)
    {
        var method = context.Request.Method;
        if (!KnownMethods.Contains(method))
        {
            context.Response.Headers.Allow = string.Join(", ", KnownMethods);
            return ContractErrors.Problem(StatusCodes.Status405MethodNotAllowed, null, $"Method {method} is not allowed; use one of {string.Join(", ", KnownMethods)}.");
        }

        return context.Request.Action() is { } action
            ? ContractErrors.InvalidArgument($"Unknown action {action} for {method}")
            : ContractErrors.InvalidArgument("Missing action type");
    }
}
