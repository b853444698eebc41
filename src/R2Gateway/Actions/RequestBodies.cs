using Microsoft.AspNetCore.Http.Features;
using R2Gateway.Http;

namespace R2Gateway.Actions;

/// <summary>Per-action request body limits. Kestrel's global 30 MB limit is raised only where a
/// large body is expected, and lowered where only a small JSON document is.</summary>
internal static class RequestBodies
{
    /// <summary>Sets the body limit for this request; a declared length over it is refused at once.</summary>
    public static void Limit(HttpContext context, long maxBytes, string what)
    {
        if (context.Items[Hooks.UploadChecksFilter.SizeLimitItem] is long tokenMax && tokenMax < maxBytes)
        {
            (maxBytes, what) = (tokenMax, what + " with this token");
        }

        if (context.Request.ContentLength > maxBytes)
        {
            throw Error.BodyTooLarge(what, maxBytes, context.Request.ContentLength);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }
    }

    /// <summary>True when the request has a body: a non-zero Content-Length, or chunked encoding.</summary>
    public static bool HasBody(HttpContext context) =>
        context.Request.ContentLength is > 0
        || (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);

    public static int? ParseInt(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The Content-MD5 header as 16 bytes: null when absent, false when it is not the base64
    /// of an MD5 (a 400 for the caller).</summary>
    public static bool TryReadContentMd5(HttpRequest request, out byte[]? md5)
    {
        md5 = null;
        if (!request.Headers.TryGetValue("Content-MD5", out var header))
        {
            return true;
        }

        md5 = new byte[16];
        return Convert.TryFromBase64String(header.ToString(), md5, out var written) && written == 16;
    }
}
