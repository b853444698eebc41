using Microsoft.Net.Http.Headers;
using R2Gateway.Storage;

namespace R2Gateway.Http;

/// <summary>Moves the standard metadata headers between HTTP messages and <see cref="ObjectMetadata"/>.</summary>
public static class ObjectHttpMetadata
{
    public static ObjectMetadata FromRequest(HttpRequest request)
    {
        var h = request.Headers;
        var metadata = new ObjectMetadata(
            ContentType: Value(h.ContentType),
            ContentDisposition: Value(h.ContentDisposition),
            CacheControl: Value(h.CacheControl),
            ContentEncoding: Value(h.ContentEncoding),
            ContentLanguage: Value(h.ContentLanguage),
            Expires: Value(h.Expires));
        ObjectMetadataRules.Validate(metadata);
        return metadata;
    }

    /// <summary>Writes the metadata headers other than Content-Type, which the file result sets.</summary>
    public static void WriteTo(HttpResponse response, ObjectInfo info)
    {
        var h = response.Headers;
        var m = info.Metadata;
        Set(h, HeaderNames.ContentDisposition, m.ContentDisposition);
        Set(h, HeaderNames.CacheControl, m.CacheControl);
        Set(h, HeaderNames.ContentEncoding, m.ContentEncoding);
        Set(h, HeaderNames.ContentLanguage, m.ContentLanguage);
        Set(h, HeaderNames.Expires, m.Expires);
    }

    private static string? Value(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 0 ? null : values.ToString();

    /// <summary>The stored Content-Type when it can be sent back; objects stored before the
    /// metadata rules may hold one that cannot.</summary>
    public static string ContentTypeOf(ObjectInfo info) =>
        info.Metadata.ContentType is { } type && ObjectMetadataRules.IsSendable(type) ? type : "application/octet-stream";

    // A value stored before the metadata rules that cannot go out as a header is left out, not a 500.
    private static void Set(IHeaderDictionary headers, string name, string? value)
    {
        if (value is not null && ObjectMetadataRules.IsSendable(value))
        {
            headers[name] = value;
        }
    }
}
