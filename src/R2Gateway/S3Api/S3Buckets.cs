using R2Gateway.Security;

namespace R2Gateway.S3Api;

/// <summary>ListBuckets, HeadBucket, CreateBucket, GetBucketLocation: the one configured bucket.</summary>
public static class S3Buckets
{
    public static Task ListBucketsAsync(S3Call call)
    {
        // A token sees the bucket when it may do anything in it.
        var visible = call.User is null || call.User.HasClaim(c => c.Type == TokenAuthenticationHandler.RightClaim);
        return S3Xml.WriteAsync(call.Context, "ListAllMyBucketsResult", w =>
        {
            w.WriteStartElement("Owner");
            w.WriteElementString("ID", "r2gateway");
            w.WriteElementString("DisplayName", "r2gateway");
            w.WriteEndElement();
            w.WriteStartElement("Buckets");
            if (visible)
            {
                w.WriteStartElement("Bucket");
                w.WriteElementString("Name", call.Options.Bucket);
                w.WriteElementString("CreationDate", S3Xml.Timestamp(DateTimeOffset.UnixEpoch));
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

    /// <summary>The configured bucket exists already; making others is not served yet.</summary>
    public static Task CreateBucketAsync(S3Call call) => call.Bucket == call.Options.Bucket
        ? throw new S3Exception("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.")
        : throw new S3Exception("NotImplemented", 501, $"This gateway serves one bucket, '{call.Options.Bucket}'; CreateBucket cannot make others.");

    public static Task GetBucketLocationAsync(S3Call call) =>
        S3Xml.WriteAsync(call.Context, "LocationConstraint", w => w.WriteString("auto"));

    public static Task NotImplementedAsync(S3Call call) =>
        throw new S3Exception("NotImplemented", 501, "A header or query you provided implies functionality that is not implemented.");
}
