using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using R2Gateway.Storage;

namespace R2Gateway.Http;

/// <summary>
/// The object key of a request: the whole path after the first '/', percent-decoded as UTF-8,
/// slashes kept. It is read from the raw request target, because the server's own path has
/// already collapsed <c>..</c> segments and left <c>%2F</c> encoded, and both are legal in keys.
/// </summary>
public readonly record struct ObjectKey(string Value)
{
    public bool IsEmpty => Value.Length == 0;

    public override string ToString() => Value;

    /// <summary>Minimal APIs call this to bind a handler's <see cref="ObjectKey"/> parameter.
    /// An empty key is allowed here; handlers that need one call <see cref="Required"/>.</summary>
    public static ValueTask<ObjectKey> BindAsync(HttpContext context) => ValueTask.FromResult(FromRequest(context));

    /// <summary>The request's key, decoded and checked once per request (binding, the presign and
    /// access filters and the request log all ask for it).</summary>
    public static ObjectKey FromRequest(HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(ObjectKey), out var known) && known is ObjectKey cached)
        {
            return cached;
        }

        var key = Decode(RawPath(context));
        if (key.Length > 0)
        {
            ObjectKeys.Validate(key);
        }

        var result = new ObjectKey(key);
        context.Items[typeof(ObjectKey)] = result;
        return result;
    }

    /// <summary>The path (after the base's '/') that <see cref="FromRequest"/> decodes back to
    /// <paramref name="key"/>: each segment percent-encoded. A key with an empty, '.' or '..'
    /// segment becomes one segment with its slashes as %2F, because clients collapse '//' and
    /// resolve dot segments (even percent-encoded ones) before they send a URL.</summary>
    public static string ToPath(string key)
    {
        if (key is "." or "..")
        {
            throw Error.KeyNotAUrlPath(key);
        }

        var segments = key.Split('/');
        return segments.Any(s => s is "" or "." or "..")
            ? Uri.EscapeDataString(key)
            : string.Join('/', segments.Select(Uri.EscapeDataString));
    }

    public string Required()
    {
        ObjectKeys.Validate(Value);
        return Value;
    }

    internal static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            return context.Request.Path.Value ?? "/";
        }

        if (!raw.StartsWith('/'))
        {
            // absolute-form (http://host/path): the path starts at the first '/' after the authority
            var scheme = raw.IndexOf("://", StringComparison.Ordinal);
            var end = scheme < 0 ? -1 : raw.IndexOfAny(['/', '?', '#'], scheme + 3);
            raw = end < 0 || raw[end] != '/' ? "/" : raw[end..];
        }

        var query = raw.IndexOf('?');
        return query < 0 ? raw : raw[..query];
    }

    /// <summary>Invalid UTF-8 in a key is refused, not replaced: two keys must never decode to one.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    internal static string Decode(string path)
    {
        var encoded = path.AsSpan(1);
        var max = encoded.Length * 3;
        byte[]? rented = null;
        var bytes = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = 0;
            for (var i = 0; i < encoded.Length; i++)
            {
                if (encoded[i] == '%' && i + 2 < encoded.Length
                    && byte.TryParse(encoded.Slice(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b))
                {
                    bytes[n++] = b;
                    i += 2;
                }
                else if (encoded[i] > 0x7f)
                {
                    // Raw non-ASCII (servers other than Kestrel may pass it): one whole code point at a time.
                    Rune.DecodeFromUtf16(encoded[i..], out var rune, out var consumed);
                    n += rune.EncodeToUtf8(bytes[n..]);
                    i += consumed - 1;
                }
                else
                {
                    bytes[n++] = (byte)encoded[i];
                }
            }

            return StrictUtf8.GetString(bytes[..n]);
        }
        catch (DecoderFallbackException)
        {
            throw Error.KeyNotUtf8();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
