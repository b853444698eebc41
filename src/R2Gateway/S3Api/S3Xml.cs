using System.Xml;

namespace R2Gateway.S3Api;

/// <summary>Writes S3's XML documents: errors and results.</summary>
public static class S3Xml
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>The S3 API's one writer of a <see cref="ContractException"/>: the S3 code and status of
    /// <see cref="ErrorCodes"/>, as R2 answers them.</summary>
    public static async Task WriteErrorAsync(HttpContext context, ContractException error, string? resource)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort(); // the status is gone; cutting the connection is the only way to say it failed
            return;
        }

        var wire = ErrorCodes.Of(error.Code);
        response.Clear();
        response.StatusCode = wire.S3Status;
        response.Headers["x-amz-request-id"] = RequestId(context);
        foreach (var (name, value) in error.Headers)
        {
            response.Headers[name] = value;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return; // HEAD answers carry no body, so clients read the status alone
        }

        await WriteAsync(context, "Error", w =>
        {
            w.WriteElementString("Code", wire.S3Code);
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
