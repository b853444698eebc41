using R2Gateway.Security;

namespace R2Gateway.S3Api;

/// <summary>What an S3 request addresses: the service (no bucket), a bucket, or an object.</summary>
public enum S3Target
{
    Service,
    Bucket,
    Key,
}

/// <param name="Query">Query parameters the request must carry (S3's sub-resources, e.g. <c>uploads</c>).</param>
/// <param name="CopySource">Whether the row is for requests with <c>x-amz-copy-source</c>.</param>
/// <param name="Right">The right a token needs on the key (or the listed prefix); null for bucket-level
/// operations (any right in the bucket; write to create or delete it).</param>
public sealed record S3Operation(string Name, string Method, S3Target Target, string[] Query, bool CopySource, Right? Right, Func<S3Call, Task> Handler);

/// <summary>
/// THE S3 dispatch table: method + target + sub-resource → operation → the right it needs → handler,
/// as <see cref="Actions.ActionTable"/> is for the Worker API. The first row that matches wins, so
/// rows with more query parameters come first.
/// </summary>
public static class S3OperationTable
{
    public static readonly IReadOnlyList<S3Operation> Operations =
    [
        new("ListBuckets", "GET", S3Target.Service, [], false, null, S3Buckets.ListBucketsAsync),

        new("HeadBucket", "HEAD", S3Target.Bucket, [], false, null, S3Buckets.HeadBucketAsync),
        new("CreateBucket", "PUT", S3Target.Bucket, [], false, null, S3Buckets.CreateBucketAsync),
        new("DeleteBucket", "DELETE", S3Target.Bucket, [], false, null, S3Buckets.DeleteBucketAsync),
        new("GetBucketLocation", "GET", S3Target.Bucket, ["location"], false, null, S3Buckets.GetBucketLocationAsync),
        new("ListMultipartUploads", "GET", S3Target.Bucket, ["uploads"], false, Right.Read, S3Listing.ListMultipartUploadsAsync),
        new("ListObjectsV2", "GET", S3Target.Bucket, ["list-type"], false, Right.Read, S3Listing.ListObjectsV2Async),
        new("ListObjects", "GET", S3Target.Bucket, [], false, Right.Read, S3Listing.ListObjectsV1Async),
        new("DeleteObjects", "POST", S3Target.Bucket, ["delete"], false, Right.Delete, S3Objects.DeleteObjectsAsync),

        new("UploadPartCopy", "PUT", S3Target.Key, ["partNumber", "uploadId"], true, Right.Write, S3Multipart.UploadPartCopyAsync),
        new("UploadPart", "PUT", S3Target.Key, ["partNumber", "uploadId"], false, Right.Write, S3Multipart.UploadPartAsync),
        new("CopyObject", "PUT", S3Target.Key, [], true, Right.Write, S3Objects.CopyObjectAsync),
        new("PutObject", "PUT", S3Target.Key, [], false, Right.Write, S3Objects.PutObjectAsync),
        new("ListParts", "GET", S3Target.Key, ["uploadId"], false, Right.Read, S3Multipart.ListPartsAsync),
        new("GetObject", "GET", S3Target.Key, [], false, Right.Read, S3Objects.GetObjectAsync),
        new("HeadObject", "HEAD", S3Target.Key, [], false, Right.Read, S3Objects.GetObjectAsync),
        new("CreateMultipartUpload", "POST", S3Target.Key, ["uploads"], false, Right.Write, S3Multipart.CreateAsync),
        new("CompleteMultipartUpload", "POST", S3Target.Key, ["uploadId"], false, Right.Write, S3Multipart.CompleteAsync),
        new("AbortMultipartUpload", "DELETE", S3Target.Key, ["uploadId"], false, Right.Delete, S3Multipart.AbortAsync),
        new("DeleteObject", "DELETE", S3Target.Key, [], false, Right.Delete, S3Objects.DeleteObjectAsync),
    ];

    /// <summary>S3 sub-resources the gateway does not serve: answered 501, never mistaken for a plain GET or PUT.</summary>
    private static readonly string[] Unsupported =
    [
        "acl", "tagging", "versioning", "versions", "policy", "policyStatus", "cors", "lifecycle", "website", "encryption", "logging",
        "notification", "replication", "requestPayment", "object-lock", "retention", "legal-hold", "torrent", "restore", "select",
        "accelerate", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "attributes",
    ];

    /// <summary>Operations that bring an object's bytes in: under the token's concurrent-upload limit,
    /// as the Worker API's puts and part uploads are.</summary>
    public static bool IsUpload(S3Operation operation) =>
        operation.Name is "PutObject" or "UploadPart" or "CopyObject" or "UploadPartCopy";

    public static S3Operation? Find(HttpRequest request, S3Target target)
    {
        if (Unsupported.Any(request.Query.ContainsKey))
        {
            return null;
        }

        var copy = request.Headers.ContainsKey("x-amz-copy-source");
        return Operations.FirstOrDefault(o => o.Target == target && o.Method == request.Method
            && o.Query.All(request.Query.ContainsKey) && (!o.CopySource || copy));
    }
}
