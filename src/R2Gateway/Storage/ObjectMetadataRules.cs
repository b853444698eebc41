using System.Text;

namespace R2Gateway.Storage;

/// <summary>What metadata an object may carry, checked in one place before anything is written.</summary>
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
        foreach (var value in new[] { metadata.ContentType, metadata.ContentDisposition, metadata.CacheControl, metadata.ContentEncoding, metadata.ContentLanguage, metadata.Expires })
        {
            size += value is null ? 0 : Encoding.UTF8.GetByteCount(value);
        }

        foreach (var (name, value) in metadata.Custom ?? ObjectMetadata.NoCustom)
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
        }

        return size;
    }

    public static void Check(ObjectMetadata metadata)
    {
        var size = Size(metadata);
        if (size > MaxMetadataBytes)
        {
            throw new StoreException(StoreErrorCode.MetadataTooLarge,
                $"The object's metadata is {size} bytes; all metadata together (HTTP metadata values, custom names and values) may be at most {MaxMetadataBytes} bytes.");
        }
    }
}
