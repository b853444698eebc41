using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using R2Gateway.Actions;
using R2Gateway.Events;
using R2Gateway.Http;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.Hooks;

/// <summary>
/// The say before an upload is accepted, on put, mpu-create and mpu-complete: first the token's own
/// rules (<c>MaxObjectSize</c>, <c>AllowedContentTypes</c>), then the pre-upload hook, which may refuse
/// (403 with its reason; a refused complete also aborts the upload, so nothing is left behind), or
/// allow with another key or other metadata. Runs after the access check.
/// </summary>
public sealed partial class UploadChecksFilter(
    IOptions<AuthOptions> auth,
    IOptions<PreUploadHookOptions> hookOptions,
    PreUploadHook hook,
    EventBucket bucket,
    IObjectStore store,
    ILogger<UploadChecksFilter> logger) : IEndpointFilter
{
    /// <summary>The token's object size limit, which the body limits of put honour.</summary>
    public const string SizeLimitItem = "r2gw:token-max-object-size";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var action = http.GetEndpoint()?.Metadata.GetMetadata<ObjectActionMetadata>()?.Action;
        var user = http.User;
        var token = user.Identity?.IsAuthenticated == true ? auth.Value.Tokens.FirstOrDefault(t => t.Name == user.Identity.Name) : null;
        if (action is null || (token is null && !hook.Enabled))
        {
            return await next(context);
        }

        var key = ObjectKey.FromRequest(http).Required();
        var request = http.Request;
        var complete = action == "mpu-complete";
        var uploadId = complete ? request.Query["uploadId"].ToString() : null;
        var size = action switch
        {
            "put" => request.ContentLength,
            "mpu-complete" => await FinalSizeAsync(http, key, uploadId!),
            _ => null,
        };
        var metadata = complete ? null : ObjectHttpMetadata.FromRequest(request);

        if (token is not null)
        {
            if (!complete && token.AllowedContentTypes.Count > 0 && !IsAllowed(metadata!.ContentType, token.AllowedContentTypes))
            {
                throw Error.AccessDenied(
                    $"Token '{token.Name}' may upload only {string.Join(", ", token.AllowedContentTypes)}; this request's Content-Type is '{metadata.ContentType ?? "(none)"}'.");
            }

            if (token.MaxObjectSize is { } max)
            {
                if (size > max)
                {
                    throw Error.TokenObjectSizeLimit(token.Name, max, size);
                }

                http.Items[SizeLimitItem] = max;
            }
        }

        if (!hook.Enabled)
        {
            return await next(context);
        }

        var (verdict, failure) = await hook.AskAsync(
            new PreUploadRequest(HookAction(action), bucket.Name, key, size, metadata?.ContentType, metadata, user.Identity?.Name), http.RequestAborted);
        if (verdict is null)
        {
            LogHookFailed(logger, action, key, failure!, hookOptions.Value.AllowOnFailure);
            if (!hookOptions.Value.AllowOnFailure)
            {
                throw Error.Unavailable($"The upload was not accepted: {failure}. Try again later.");
            }

            return await next(context);
        }

        if (!verdict.Allow)
        {
            if (complete)
            {
                await store.AbortMultipartUploadAsync(key, uploadId!, http.RequestAborted);
            }

            LogDenied(logger, action, key, verdict.Reason);
            throw Error.AccessDenied($"The upload was refused: {verdict.Reason ?? "the pre-upload hook denied it"}.");
        }

        if (!complete && verdict.Key is { } moved && moved != key)
        {
            if (!IsValidKey(moved) || !await ObjectAccessFilter.MayAsync(http, user, Right.Write, moved))
            {
                throw Error.AccessDenied($"The pre-upload hook moved the upload to '{moved}', which this request may not write.");
            }

            var rewritten = new ObjectKey(moved);
            http.Items[typeof(ObjectKey)] = rewritten;
            for (var i = 0; i < context.Arguments.Count; i++)
            {
                if (context.Arguments[i] is ObjectKey)
                {
                    context.Arguments[i] = rewritten;
                }
            }
        }

        if (!complete && verdict.Metadata is { } set)
        {
            // The handlers read metadata from the request's headers.
            var h = request.Headers;
            h[HeaderNames.ContentType] = set.ContentType ?? h.ContentType;
            h[HeaderNames.ContentDisposition] = set.ContentDisposition ?? h.ContentDisposition;
            h[HeaderNames.CacheControl] = set.CacheControl ?? h.CacheControl;
            h[HeaderNames.ContentEncoding] = set.ContentEncoding ?? h.ContentEncoding;
            h[HeaderNames.ContentLanguage] = set.ContentLanguage ?? h.ContentLanguage;
            h[HeaderNames.Expires] = set.Expires ?? h.Expires;
        }

        return await next(context);
    }

    private static string HookAction(string action) => action switch
    {
        "put" => "PutObject",
        "mpu-create" => "CreateMultipartUpload",
        _ => "CompleteMultipartUpload",
    };

    /// <summary>"image/png" matches itself (parameters ignored); "image/*" matches any image type.</summary>
    public static bool IsAllowed(string? contentType, IReadOnlyCollection<string> allowed)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var parsed))
        {
            return false;
        }

        var type = parsed.MediaType.Value!;
        return allowed.Any(a => a.EndsWith("/*", StringComparison.Ordinal)
            ? type.StartsWith(a[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(a, type, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsValidKey(string key)
    {
        try
        {
            ObjectKeys.Validate(key);
            return key.Length > 0;
        }
        catch (ContractException)
        {
            return false;
        }
    }

    /// <summary>The size the complete will make: the listed parts' sizes, read from the store. The body
    /// (at most 2 MiB) is buffered so the handler reads it again; a body that does not parse is left to the handler's 400.</summary>
    private async Task<long?> FinalSizeAsync(HttpContext http, string key, string uploadId)
    {
        if (uploadId.Length == 0)
        {
            return null;
        }

        http.Request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: MultipartActions.MaxCompleteBodyBytes);
        HashSet<int> listed;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
            listed = body.RootElement.GetProperty("parts").EnumerateArray()
                .Select(p => p.GetProperty("partNumber").TryGetInt32(out var n) ? n : int.Parse(p.GetProperty("partNumber").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
                .ToHashSet();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException or ArgumentNullException)
        {
            return null;
        }
        finally
        {
            http.Request.Body.Position = 0;
        }

        long total = 0;
        var marker = 0;
        while (true)
        {
            var page = await store.ListPartsAsync(key, uploadId, marker, 1000, http.RequestAborted);
            total += page.Parts.Where(p => listed.Contains(p.PartNumber)).Sum(p => p.Size);
            if (!page.IsTruncated || page.NextPartNumberMarker is not { } next)
            {
                return total;
            }

            marker = next;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pre-upload hook failed for {Action} {Key}: {Failure}; accepted anyway = {Accepted}")]
    private static partial void LogHookFailed(ILogger logger, string action, string key, string failure, bool accepted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pre-upload hook denied {Action} {Key}: {Reason}")]
    private static partial void LogDenied(ILogger logger, string action, string key, string? reason);
}
