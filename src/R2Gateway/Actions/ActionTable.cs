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
        app.MapPost(Pattern, MultipartActions.CreateAsync).Action("mpu-create", Right.Write, "Start a multipart upload")
            .WithUploadChecks();
        app.MapPut(Pattern, MultipartActions.UploadPartAsync).Action("mpu-uploadpart", Right.Write, "Upload one part (uploadId, partNumber); the body is the part")
            .LimitConcurrentUploads()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        app.MapPost(Pattern, MultipartActions.CompleteAsync).Action("mpu-complete", Right.Write, "Assemble the listed parts into the object")
            .WithUploadChecks()
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapDelete(Pattern, MultipartActions.AbortAsync).Action("mpu-abort", Right.Delete, "Drop an unfinished upload and its parts (204 also when it is finished already)");
        app.MapGet(Pattern, MultipartActions.ListPartsAsync).Action("mpu-listparts", Right.Read, "The parts uploaded so far, for resuming");
        app.MapMethods(Pattern, ["GET", "HEAD"], ObjectActions.GetAsync).Action("get", Right.Read, "Read the object (Range and conditional headers honoured; HEAD for headers only)")
            .Produces(StatusCodes.Status206PartialContent).Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);
        app.MapPut(Pattern, ObjectActions.PutAsync).Action("put", Right.Write, "Upload the object in one request (up to 5 GiB)")
            .WithUploadChecks()
            .LimitConcurrentUploads()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        app.MapDelete(Pattern, ObjectActions.DeleteAsync).Action("delete", Right.Delete, "Delete the object");
        app.MapGet(Pattern, ObjectActions.ListAsync).Action("list", Right.Read, "List objects (prefix, delimiter, cursor, limit)");
        app.MapPost(Pattern, PresignActions.PresignAsync).Action("presign", Right.Presign, "A time-limited URL for a PUT or GET of this key");
        app.MapPost(Pattern, PresignActions.SignS3Async).Action("s3-sign", Right.Presign, "A short-lived SigV4 URL for one S3 request on this key (create, part, complete, abort, list parts, put), for Uppy's AwsS3 plugin");
        app.MapPost(Pattern, PresignActions.PresignPartAsync).Action("mpu-presign-part", Right.Presign, "A time-limited URL to PUT one part (uploadId, partNumber) directly");

        // Whatever no row takes: a missing or unknown action, or a method the gateway does not serve.
        app.Map(Pattern, Unmatched).WithMetadata(ObjectActionMetadata.Unmatched).AddEndpointFilter<ObjectAccessFilter>().ExcludeFromDescription();
        return app;
    }

    /// <summary>Makes an endpoint a row of the table: the action it answers and the right it needs.</summary>
    private static RouteHandlerBuilder Action(this RouteHandlerBuilder endpoint, string action, Right right, string summary) =>
        endpoint
            .WithMetadata(new ObjectActionMetadata(action, right))
            .WithName(action)
            .WithSummary(summary)
            .WithTags(action.StartsWith("mpu-", StringComparison.Ordinal) ? "Multipart" : "Objects")
            .AddEndpointFilter<ObjectAccessFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

    private static void Unmatched(HttpContext context)
    {
        var method = context.Request.Method;
        if (!KnownMethods.Contains(method))
        {
            throw Error.MethodNotAllowed(method, KnownMethods);
        }

        throw context.Request.Action() is { } action
            ? Error.InvalidArgument($"Unknown action {action} for {method}")
            : Error.InvalidArgument("Missing action type");
    }
}
