using Microsoft.AspNetCore.Authorization;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>ListBuckets, HeadBucket, CreateBucket, DeleteBucket, GetBucketLocation over <see cref="IBucketStores"/>.</summary>
public static class S3Buckets
{
    /// <summary>Only the buckets the caller may use (the same policy as every request).</summary>
    public static async Task ListBucketsAsync(S3Call call)
    {
        var visible = new List<BucketInfo>();
        var authorization = call.Context.RequestServices.GetRequiredService<IAuthorizationService>();
        foreach (var bucket in call.Buckets.List())
        {
            if (call.User is null || (await authorization.AuthorizeAsync(call.User, new BucketResource(bucket.Name), GatewayPolicies.AnyRight)).Succeeded)
            {
                visible.Add(bucket);
            }
        }

        await S3Xml.WriteAsync(call.Context, "ListAllMyBucketsResult", w =>
        {
            w.WriteStartElement("Owner");
            w.WriteElementString("ID", "r2gateway");
            w.WriteElementString("DisplayName", "r2gateway");
            w.WriteEndElement();
            w.WriteStartElement("Buckets");
            foreach (var bucket in visible)
            {
                w.WriteStartElement("Bucket");
                w.WriteElementString("Name", bucket.Name);
                w.WriteElementString("CreationDate", S3Xml.Timestamp(bucket.CreationDate));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    public static Task HeadBucketAsync(S3Call call)
    {
        call.Response.Headers["x-amz-bucket-region"] = "auto";
        return Task.CompletedTask;
    }

    /// <summary>A location constraint in the body, if any, must be one of R2's region names for "anywhere".</summary>
    public static async Task CreateBucketAsync(S3Call call)
    {
        if (call.Request.ContentLength is > 0 || call.Request.Headers.TransferEncoding.Count > 0)
        {
            var document = await call.ReadXmlAsync(64 * 1024);
            var location = document.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "LocationConstraint")?.Value;
            if (document.Root?.Name.LocalName != "CreateBucketConfiguration")
            {
                throw Error.MalformedXml();
            }

            if (location is not (null or "" or "auto" or "us-east-1"))
            {
                throw Error.InvalidLocationConstraint(location);
            }
        }

        await call.Buckets.CreateAsync(call.Bucket, call.Aborted);
        call.Response.Headers.Location = "/" + call.Bucket;
    }

    public static async Task DeleteBucketAsync(S3Call call)
    {
        await call.Buckets.DeleteAsync(call.Bucket, call.Aborted);
        call.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public static Task GetBucketLocationAsync(S3Call call) =>
        S3Xml.WriteAsync(call.Context, "LocationConstraint", w => w.WriteString("auto"));
}
