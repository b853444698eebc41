using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.Actions;

/// <summary>presign, mpu-presign-part: time-limited URLs for one request, for browsers and scripts.</summary>
public static class PresignActions
{
    private const long MaxBodyBytes = 16 * 1024;

    public static async Task<Results<Ok<PresignResponse>, ProblemHttpResult>> PresignAsync(
        ObjectKey key, HttpContext context, IPresigner presigner, IOptions<PresignOptions> options, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(context, cancellationToken);
        var method = body?.Method?.ToUpperInvariant();
        if (method is not ("PUT" or "GET"))
        {
            return ContractErrors.InvalidArgument("Send {\"method\": \"PUT\" or \"GET\", \"expiresIn\": seconds, \"contentType\"?: \"...\", \"checksumSha256\"?: \"base64\"}.");
        }

        if (Expiry(body!.ExpiresIn) is not { } expiresIn)
        {
            return ExpiryProblem();
        }

        if (await ObjectAccessFilter.RefusePresignAsync(context, method == "PUT" ? Right.Write : Right.Read, key.Required()) is { } refused)
        {
            return refused;
        }

        var contentType = method == "PUT" && !string.IsNullOrWhiteSpace(body.ContentType) ? body.ContentType : null;
        var sha256 = method == "PUT" && !string.IsNullOrWhiteSpace(body.ChecksumSha256) ? body.ChecksumSha256.Trim() : null;
        if (sha256 is not null && Checksums.TryDecode(ChecksumAlgorithm.Sha256, sha256) is null)
        {
            return ContractErrors.InvalidArgument("checksumSha256 must be the base64 of the body's 32-byte SHA-256.");
        }

        var metadata = method == "PUT" && body.Metadata is { Count: > 0 } m ? m.ToDictionary(e => e.Key.Trim().ToLowerInvariant(), e => e.Value) : null;
        if (metadata?.Keys.FirstOrDefault(n => n.Length == 0 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) is { } badName)
        {
            return ContractErrors.InvalidArgument($"metadata name '{badName}' must be letters, digits, '-' and '_'.");
        }

        ObjectMetadataRules.Check(new ObjectMetadata(ContentType: contentType, Custom: metadata));
        return TypedResults.Ok(Answer(presigner.Presign(new PresignTarget(method, key.Required(), expiresIn, contentType, ChecksumSha256: sha256, Metadata: metadata), BaseUrl(context, options))));
    }

    public static async Task<Results<Ok<PresignResponse>, ProblemHttpResult>> PresignPartAsync(
        ObjectKey key, string? uploadId, string? partNumber, HttpContext context, IPresigner presigner, IOptions<PresignOptions> options, CancellationToken cancellationToken)
    {
        if (uploadId is null || partNumber is null)
        {
            return ContractErrors.InvalidArgument("Missing partNumber or uploadId");
        }

        if (RequestBodies.ParseInt(partNumber) is not { } number)
        {
            return ContractErrors.InvalidArgument($"partNumber must be an integer from 1 to {MultipartRules.MaxParts}; got '{partNumber}'.");
        }

        MultipartRules.EnsurePartNumber(number);
        if (await ObjectAccessFilter.RefusePresignAsync(context, Right.Write, key.Required()) is { } refused)
        {
            return refused;
        }

        var body = await ReadBodyAsync(context, cancellationToken);
        if (Expiry(body?.ExpiresIn) is not { } expiresIn)
        {
            return ExpiryProblem();
        }

        var target = new PresignTarget("PUT", key.Required(), expiresIn, UploadId: uploadId, PartNumber: number);
        return TypedResults.Ok(Answer(presigner.Presign(target, BaseUrl(context, options))));
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

    private static ProblemHttpResult ExpiryProblem() =>
        ContractErrors.InvalidArgument("expiresIn must be a whole number of seconds from 1 to 604800 (7 days).");

    private static Uri BaseUrl(HttpContext context, IOptions<PresignOptions> options) =>
        options.Value.PublicBaseUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/");

    private static PresignResponse Answer(PresignedUrl url) => new(url.Url.ToString(), url.Method, url.ExpiresAt, url.Headers);
}
