namespace R2Gateway.Storage;

/// <summary>
/// The metadata rules, in one place, checked when an object or upload is created: every value is a
/// header value the gateway can send back (visible ASCII, space and tab), and all of it together is
/// at most <see cref="MaxBytes"/>, as R2 allows. Non-ASCII is refused rather than re-encoded: the S3
/// API carries metadata in headers, where only ASCII is portable (RFC 9110 §5.5), and a client that
/// needs a UTF-8 file name says so in ASCII with <c>filename*=UTF-8''caf%C3%A9.pdf</c> (RFC 8187).
/// Custom metadata, when added, is one more set of fields for <see cref="Validate(IEnumerable{KeyValuePair{string, string}})"/>.
/// </summary>
public static class ObjectMetadataRules
{
    /// <summary>R2's limit on an object's metadata, names and values together.</summary>
    public const int MaxBytes = 8192;

    public static void Validate(ObjectMetadata metadata) => Validate(Fields(metadata));

    public static void Validate(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var total = 0;
        foreach (var (name, value) in fields)
        {
            if (!IsSendable(value))
            {
                throw new StoreException(StoreErrorCode.InvalidArgument,
                    $"{name} may hold only visible ASCII characters, spaces and tabs (no control bytes, no raw UTF-8); "
                    + "for a non-ASCII file name send filename*=UTF-8''<percent-encoded name> (RFC 8187).");
            }

            total += name.Length + value.Length;
        }

        if (total > MaxBytes)
        {
            throw new StoreException(StoreErrorCode.MetadataTooLarge, $"The object's metadata is {total} bytes; at most {MaxBytes} are allowed.");
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
