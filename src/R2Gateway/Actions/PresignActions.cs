using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.S3Api;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.Actions;

/// <summary>presign, mpu-presign-part: time-limited URLs for one request, for browsers and scripts.</summary>
public static class PresignActions
{
    private const long MaxBodyBytes = 16 * 1024;

    public static async Task<Ok<PresignResponse>> PresignAsync(
        ObjectKey key, HttpContext context, IPresigner presigner, IOptions<PresignOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(context, cancellationToken);
        var method = body?.Method?.ToUpperInvariant();
        if (method is not ("PUT" or "GET"))
        {
            throw Error.InvalidArgument("Send {\"method\": \"PUT\" or \"GET\", \"expiresIn\": seconds, \"contentType\"?: \"...\", \"checksumSha256\"?: \"base64\"}.");
        }

        if (Expiry(body!.ExpiresIn) is not { } expiresIn)
        {
            throw Error.BadPresignExpiry();
        }

        await ObjectAccessFilter.EnsureMayPresignAsync(context, method == "PUT" ? Right.Write : Right.Read, key.Required());

        var contentType = method == "PUT" && !string.IsNullOrWhiteSpace(body.ContentType) ? body.ContentType : null;
        var sha256 = method == "PUT" && !string.IsNullOrWhiteSpace(body.ChecksumSha256) ? body.ChecksumSha256.Trim() : null;
        if (sha256 is not null && Checksums.TryDecode(ChecksumAlgorithm.Sha256, sha256) is null)
        {
            throw Error.InvalidArgument("checksumSha256 must be the base64 of the body's 32-byte SHA-256.");
        }

        var metadata = method == "PUT" && body.Metadata is { Count: > 0 } m ? m.ToDictionary(e => e.Key.Trim().ToLowerInvariant(), e => e.Value) : null;
        if (metadata?.Keys.FirstOrDefault(n => n.Length == 0 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) is { } badName)
        {
            throw Error.InvalidArgument($"metadata name '{badName}' must be letters, digits, '-' and '_'.");
        }

        ObjectMetadataRules.Check(new ObjectMetadata(ContentType: contentType, Custom: metadata));
        return TypedResults.Ok(Answer(presigner.Presign(new PresignTarget(method, key.Required(), expiresIn, contentType, ChecksumSha256: sha256, Metadata: metadata), BaseUrl(context, options))));
    }

    public static async Task<Ok<PresignResponse>> PresignPartAsync(
        ObjectKey key, string? uploadId, string? partNumber, HttpContext context, IPresigner presigner, IOptions<PresignOptions> options, CancellationToken cancellationToken)
    {
        if (uploadId is null || partNumber is null)
        {
            throw Error.MissingPartNumberOrUploadId();
        }

        if (RequestBodies.ParseInt(partNumber) is not { } number)
        {
            throw Error.InvalidPartNumber(MultipartRules.MaxParts, partNumber);
        }

        MultipartRules.EnsurePartNumber(number);
        await ObjectAccessFilter.EnsureMayPresignAsync(context, Right.Write, key.Required());

        var body = await ReadBodyAsync(context, cancellationToken);
        if (Expiry(body?.ExpiresIn) is not { } expiresIn)
        {
            throw Error.BadPresignExpiry();
        }

        var target = new PresignTarget("PUT", key.Required(), expiresIn, UploadId: uploadId, PartNumber: number);
        return TypedResults.Ok(Answer(presigner.Presign(target, BaseUrl(context, options))));
    }

    /// <summary>The S3 requests Uppy's AwsS3 plugin makes, by method and whether they name an upload and a part.</summary>
    private static string? S3Operation(string? method, bool upload, bool part) => (method?.ToUpperInvariant(), upload, part) switch
    {
        ("PUT", true, true) => "UploadPart",
        ("PUT", false, false) => "PutObject",
        ("POST", false, false) => "CreateMultipartUpload",
        ("POST", true, false) => "CompleteMultipartUpload",
        ("GET", true, false) => "ListParts",
        ("DELETE", true, false) => "AbortMultipartUpload",
        _ => null,
    };

    private static readonly TimeSpan MaxS3Expiry = TimeSpan.FromHours(1);

    /// <summary>s3-sign: a presigned S3 URL for one request, to the gateway's S3 endpoint with the
    /// filesystem store, to the bucket with the S3 store. Only what the signer may do itself: presign,
    /// and the right of that S3 operation on a prefix of the key.</summary>
    public static async Task<Ok<PresignResponse>> SignS3Async(
        ObjectKey key, HttpContext context, IS3RequestSigner signer, S3ApiServer s3, TimeProvider clock, CancellationToken cancellationToken)
    {
        S3SignBody? body = null;
        if (RequestBodies.HasBody(context))
        {
            RequestBodies.Limit(context, MaxBodyBytes, "An s3-sign body");
            try
            {
                body = await JsonSerializer.DeserializeAsync<S3SignBody>(context.Request.Body, JsonSerializerOptions.Web, cancellationToken);
            }
            catch (JsonException)
            {
                // answered below as any body that names no operation
            }
        }

        var uploadId = string.IsNullOrEmpty(body?.UploadId) ? null : body.UploadId;
        if (S3Operation(body?.Method, uploadId is not null, body?.PartNumber is not null) is not { } operation)
        {
            throw Error.InvalidArgument("Send {\"method\", \"uploadId\"?, \"partNumber\"?, \"expiresIn\"?} for one of: PUT (PutObject), POST (CreateMultipartUpload), "
                + "PUT with uploadId and partNumber (UploadPart), POST with uploadId (CompleteMultipartUpload), GET with uploadId (ListParts), DELETE with uploadId (AbortMultipartUpload).");
        }

        if (body!.PartNumber is { } number)
        {
            MultipartRules.EnsurePartNumber(number);
        }

        var expiresIn = body.ExpiresIn is null ? TimeSpan.FromMinutes(15) : TimeSpan.FromSeconds(body.ExpiresIn.Value);
        if (expiresIn <= TimeSpan.Zero || expiresIn > MaxS3Expiry)
        {
            throw Error.BadS3SignExpiry();
        }

        var right = S3OperationTable.Operations.First(o => o.Name == operation).Right!.Value;
        await ObjectAccessFilter.EnsureMayPresignAsync(context, right, key.Required());

        var gatewayS3Url = s3.PublicBucketUrl(context.Request);
        if (gatewayS3Url is null && signer is GatewayS3Signer)
        {
            throw Error.S3EndpointOff();
        }

        var target = new S3SignTarget(operation, body.Method!.ToUpperInvariant(), key.Required(), uploadId, body.PartNumber, expiresIn);
        var url = signer.Sign(target, gatewayS3Url!, context.User.Identity?.Name ?? "");
        return TypedResults.Ok(new PresignResponse(url.AbsoluteUri, target.Method, clock.GetUtcNow().Add(expiresIn), new Dictionary<string, string>()));
    }

    private static async Task<PresignBody?> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestBodies.HasBody(context))
        {
            return new PresignBody(null, null, null);
        }

        RequestBodies.Limit(context, MaxBodyBytes, "A presign body");
        try
        {
            return await JsonSerializer.DeserializeAsync<PresignBody>(context.Request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? Expiry(int? seconds) => seconds switch
    {
        null => TimeSpan.FromHours(1),
        >= 1 and <= 604_800 => TimeSpan.FromSeconds(seconds.Value),
        _ => null,
    };

    private static Uri BaseUrl(HttpContext context, IOptions<PresignOptions> options) =>
        options.Value.PublicBaseUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/");

    private static PresignResponse Answer(PresignedUrl url) => new(url.Url.ToString(), url.Method, url.ExpiresAt, url.Headers);
}
