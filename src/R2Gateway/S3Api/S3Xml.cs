using System.Xml;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>An S3 error: its code, the status R2 answers with, and a message a person can act on.</summary>
public sealed class S3Exception(string code, int status, string message) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;

    /// <summary>Sent as Retry-After (a refused request's wait, in seconds).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>What S3 and R2 answer a client over its request rate.</summary>
    public static S3Exception SlowDown(int retryAfterSeconds) =>
        new("SlowDown", 503, $"Please reduce your request rate; retry after {retryAfterSeconds} s.") { RetryAfterSeconds = retryAfterSeconds };

    public static S3Exception InvalidArgument(string message) => new("InvalidArgument", 400, message);

    public static S3Exception InvalidRequest(string message) => new("InvalidRequest", 400, message);

    public static S3Exception AccessDenied(string message) => new("AccessDenied", 403, message);

    public static S3Exception SignatureDoesNotMatch(string message = "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method.") =>
        new("SignatureDoesNotMatch", 403, message);

    public static S3Exception MalformedXml() => new("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema.");

    /// <summary>The S3 code and status for a store failure, as R2 answers them.</summary>
    public static S3Exception From(StoreException e) => e.Code switch
    {
        StoreErrorCode.NoSuchKey => new("NoSuchKey", 404, e.Message),
        StoreErrorCode.NoSuchUpload => new("NoSuchUpload", 404, e.Message),
        StoreErrorCode.PreconditionFailed => new("PreconditionFailed", 412, e.Message),
        StoreErrorCode.AccessDenied => new("AccessDenied", 403, e.Message),
        StoreErrorCode.Conflict => new("OperationAborted", 409, e.Message),
        StoreErrorCode.ServiceUnavailable or StoreErrorCode.BadGateway or StoreErrorCode.GatewayTimeout => new("ServiceUnavailable", 503, e.Message),
        StoreErrorCode.KeyTooLongError => new("KeyTooLongError", 400, e.Message),
        StoreErrorCode.NoSuchBucket => new("NoSuchBucket", 404, e.Message),
        StoreErrorCode.BucketNotEmpty => new("BucketNotEmpty", 409, e.Message),
        StoreErrorCode.BucketAlreadyOwnedByYou => new("BucketAlreadyOwnedByYou", 409, e.Message),
        StoreErrorCode.InvalidBucketState => new("InvalidBucketState", 409, e.Message),
        StoreErrorCode.InvalidBucketName => new("InvalidBucketName", 400, e.Message),
        StoreErrorCode.NotImplemented => new("NotImplemented", 501, e.Message),
        _ => new(e.Code.ToString(), 400, e.Message),
    };
}

/// <summary>Writes S3's XML documents: errors and results.</summary>
public static class S3Xml
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    public static async Task WriteErrorAsync(HttpContext context, S3Exception error, string? resource)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort(); // the status is gone; cutting the connection is the only way to say it failed
            return;
        }

        response.Clear();
        response.StatusCode = error.Status;
        response.Headers["x-amz-request-id"] = RequestId(context);
        if (error.RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return; // HEAD answers carry no body, so clients read the status alone
        }

        await WriteAsync(context, "Error", w =>
        {
            w.WriteElementString("Code", error.Code);
            w.WriteElementString("Message", error.Message);
            if (resource is not null)
            {
                w.WriteElementString("Resource", resource);
            }

            w.WriteElementString("RequestId", RequestId(context));
        }, withNamespace: false);
    }

    public static string RequestId(HttpContext context) => context.TraceIdentifier.Replace(":", "", StringComparison.Ordinal);

    /// <summary>Writes one XML document as the response body.</summary>
    public static async Task WriteAsync(HttpContext context, string root, Action<XmlWriter> body, bool withNamespace = true)
    {
        context.Response.ContentType = "application/xml";
        await using var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, new XmlWriterSettings { Async = false, Encoding = new System.Text.UTF8Encoding(false) }))
        {
            w.WriteStartDocument();
            if (withNamespace)
            {
                w.WriteStartElement(root, Namespace);
            }
            else
            {
                w.WriteStartElement(root);
            }

            body(w);
            w.WriteEndElement();
        }

        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string HttpDate(DateTimeOffset time) => time.UtcDateTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
