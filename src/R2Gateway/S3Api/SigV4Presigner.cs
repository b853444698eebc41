using System.Globalization;

namespace R2Gateway.S3Api;

/// <summary>One S3 request the upload page's AwsS3 plugin makes, to be presigned.</summary>
/// <param name="Operation">The S3 operation's name, as in <see cref="S3OperationTable"/>.</param>
public sealed record S3SignTarget(string Operation, string Method, string Key, string? UploadId, int? PartNumber, TimeSpan ExpiresIn)
{
    /// <summary>The sub-resources the operation carries in its query, as S3 spells them.</summary>
    public IEnumerable<KeyValuePair<string, string>> Query => Operation switch
    {
        "CreateMultipartUpload" => [KeyValuePair.Create("uploads", "")],
        "UploadPart" => [KeyValuePair.Create("partNumber", PartNumber!.Value.ToString(CultureInfo.InvariantCulture)), KeyValuePair.Create("uploadId", UploadId!)],
        "PutObject" => [],
        _ => [KeyValuePair.Create("uploadId", UploadId!)],
    };
}

/// <summary>Signs S3 requests for a browser: the URL to send, and the store's own answer to the key it signed.</summary>
public interface IS3RequestSigner
{
    /// <param name="gatewayS3Url">The gateway's S3 endpoint as the browser reaches it, bucket included
    /// (<see cref="S3ApiServer.PublicBucketUrl"/>); a signer for another server ignores it.</param>
    Uri Sign(S3SignTarget target, Uri gatewayS3Url, string signer);
}

/// <summary>
/// SigV4 in the query (a presigned URL) with only <c>host</c> signed and UNSIGNED-PAYLOAD, as AWS
/// documents it and as the AwsS3 plugin's own signer does: the browser then adds nothing the
/// signature would have to cover. The signature is <see cref="SigV4Request.Sign"/>'s; the SDK's own
/// presigner (GetPreSignedURL) has no POST, which CreateMultipartUpload and CompleteMultipartUpload need.
/// </summary>
public static class SigV4Presigner
{
    /// <param name="bucketUrl">Path-style: scheme, authority and <c>/bucket</c>.</param>
    /// <param name="keyPath">The key as it goes in the URL; the canonical form is re-derived from <paramref name="key"/>.</param>
    public static Uri Presign(Uri bucketUrl, string key, string keyPath, S3SignTarget target, string accessKeyId, string secret, string region, DateTimeOffset now, string? sessionToken = null)
    {
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var scope = $"{date}/{region}/s3/aws4_request";
        var query = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Amz-Algorithm"] = SigV4Request.Algorithm,
            ["X-Amz-Credential"] = $"{accessKeyId}/{scope}",
            ["X-Amz-Date"] = amzDate,
            ["X-Amz-Expires"] = ((long)target.ExpiresIn.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ["X-Amz-SignedHeaders"] = "host",
        };
        if (sessionToken is { Length: > 0 })
        {
            query["X-Amz-Security-Token"] = sessionToken;
        }

        foreach (var (name, value) in target.Query)
        {
            query[name] = value;
        }

        var basePath = bucketUrl.AbsolutePath.TrimEnd('/');
        var canonicalQuery = string.Join('&', query.Select(p => SigV4Request.UriEncode(p.Key, false) + "=" + SigV4Request.UriEncode(p.Value, false)));
        var canonical = string.Join('\n',
            target.Method,
            SigV4Request.UriEncode(Uri.UnescapeDataString(basePath), keepSlash: true) + "/" + SigV4Request.UriEncode(key, keepSlash: true),
            canonicalQuery,
            "host:" + bucketUrl.Authority,
            "",
            "host",
            SigV4Request.UnsignedPayload);
        var signature = Convert.ToHexStringLower(SigV4Request.Sign(canonical, amzDate, scope, date, region, secret).Signature);
        return new Uri($"{bucketUrl.GetLeftPart(UriPartial.Authority)}{basePath}/{keyPath}?{canonicalQuery}&X-Amz-Signature={signature}");
    }
}
