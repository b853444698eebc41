using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace R2Gateway.Http;

/// <summary>The <c>ObjectResponses</c> section: how stored objects are served to browsers.</summary>
public sealed class ObjectResponseOptions
{
    public const string Section = "ObjectResponses";

    /// <summary>Active content types (HTML, SVG, XML) the operator lets browsers render inline as
    /// the gateway's own origin. Empty by default: such objects are downloaded, sandboxed.</summary>
    public List<string> InlineActiveTypes { get; set; } = [];
}

/// <summary>
/// Objects are data, never the gateway's own pages: an uploaded HTML or SVG file rendered on this
/// origin could script the upload page's session. Every object answer says <c>nosniff</c>; an
/// active type (or one that does not parse) is also sandboxed and sent as an attachment.
/// </summary>
public static class ActiveContent
{
    public static void Secure(HttpResponse response, string contentType, ObjectResponseOptions options)
    {
        var h = response.Headers;
        h.XContentTypeOptions = "nosniff";
        if (!IsActive(contentType) || options.InlineActiveTypes.Contains(MediaType(contentType), StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        h.ContentSecurityPolicy = "sandbox; default-src 'none'";
        var stored = h.ContentDisposition.ToString();
        var parameters = stored.IndexOf(';', StringComparison.Ordinal) is var i and >= 0 ? stored[i..] : "";
        h.ContentDisposition = "attachment" + parameters;
    }

    /// <summary>Types a browser renders as a document that can run script.</summary>
    public static bool IsActive(string contentType)
    {
        var type = MediaType(contentType);
        return type.Length == 0
            || type is "text/html" or "application/xhtml+xml" or "image/svg+xml" or "text/xml" or "application/xml" or "text/xsl"
            || type.EndsWith("+xml", StringComparison.Ordinal);
    }

    /// <summary>HTTP's token characters (RFC 9110 tchar).</summary>
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static string MediaType(string contentType)
    {
        // The usual stored value, a bare token/token, is its own media type: no parser objects on every GET.
        var slash = contentType.IndexOf('/');
        if (slash > 0 && !contentType.AsSpan(0, slash).ContainsAnyExcept(TokenChars)
            && contentType.Length > slash + 1 && !contentType.AsSpan(slash + 1).ContainsAnyExcept(TokenChars))
        {
            return contentType.ToLowerInvariant();
        }

        return MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.HasValue
            ? parsed.MediaType.Value!.ToLowerInvariant()
            : "";
    }
}
