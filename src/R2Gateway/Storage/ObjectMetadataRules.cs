using System.Text;

namespace R2Gateway.Storage;

/// <summary>
/// The metadata rules, in one place, checked when an object or upload is created. Every standard
/// HTTP metadata value is a header value the gateway can send back (visible ASCII, space and tab):
/// non-ASCII there is refused rather than re-encoded, since only ASCII is portable in headers
/// (RFC 9110 §5.5) and a UTF-8 file name can be said in ASCII with <c>filename*=UTF-8''caf%C3%A9.pdf</c>
/// (RFC 8187). Custom metadata may be Unicode: it goes out as RFC 2047 encoded words, as over R2's S3 API.
/// All of it together is at most <see cref="MaxMetadataBytes"/>, R2's limit.
/// </summary>
public static class ObjectMetadataRules
{
    /// <summary>R2's limit for all of an object's metadata together.</summary>
    public const int MaxMetadataBytes = 8192;

    /// <summary>Custom metadata travels as <c>x-amz-meta-&lt;name&gt;</c> headers, as over R2's S3 API.</summary>
    public const string CustomHeaderPrefix = "x-amz-meta-";

    /// <summary>The UTF-8 bytes of every HTTP metadata value and every custom name and (decoded) value.</summary>
    public static int Size(ObjectMetadata metadata)
    {
        var size = 0;
        foreach (var (_, value) in Fields(metadata))
        {
            size += Encoding.UTF8.GetByteCount(value);
        }

        foreach (var (name, value) in metadata.Custom ?? ObjectMetadata.NoCustom)
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
        }

        return size;
    }

    public static void Check(ObjectMetadata metadata)
    {
        foreach (var (name, value) in Fields(metadata))
        {
            if (!IsSendable(value))
            {
                throw Error.MetadataNotAscii(name);
            }
        }

        var size = Size(metadata);
        if (size > MaxMetadataBytes)
        {
            throw Error.MetadataTooLarge(size, MaxMetadataBytes);
        }
    }

    /// <summary>The standard HTTP metadata, as header name and value, for the fields that are set.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Fields(ObjectMetadata metadata)
    {
        (string Name, string? Value)[] all =
        [
            ("Content-Type", metadata.ContentType),
            ("Content-Disposition", metadata.ContentDisposition),
            ("Cache-Control", metadata.CacheControl),
            ("Content-Encoding", metadata.ContentEncoding),
            ("Content-Language", metadata.ContentLanguage),
            ("Expires", metadata.Expires),
        ];
        return all.Where(f => f.Value is not null).Select(f => KeyValuePair.Create(f.Name, f.Value!));
    }

    /// <summary>True when <paramref name="value"/> can go out as a header value unchanged.</summary>
    public static bool IsSendable(string value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }

        return true;
    }
}
