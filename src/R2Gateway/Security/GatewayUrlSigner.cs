using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Security;

/// <summary>
/// Presigned URLs that point back at the gateway, for the filesystem store: an HMAC-SHA256 over the
/// method, key, action, uploadId, partNumber, expiry and the signed headers (Content-Type, x-amz-meta-*), carried in
/// <c>X-R2GW-Expires</c>, <c>X-R2GW-SignedHeaders</c> and <c>X-R2GW-Signature</c>. Verified in
/// constant time; any change to what was signed makes the signature fail.
/// </summary>
public sealed class GatewayUrlSigner : IPresigner
{
    public const string ExpiresParam = "X-R2GW-Expires";
    public const string SignatureParam = "X-R2GW-Signature";
    public const string SignedHeadersParam = "X-R2GW-SignedHeaders";
    private const string ContentTypeHeader = "content-type";

    private readonly Lazy<byte[]> _key;
    private readonly TimeProvider _clock;

    public GatewayUrlSigner(IOptions<PresignOptions> options, IOptions<FileSystemStoreOptions> store, TimeProvider clock)
    {
        _clock = clock;
        if (options.Value.SigningKey is { Length: > 0 } configured)
        {
            var key = DecodeKey(configured);
            _key = new(key);
        }
        else
        {
            // Made on first use, and tried again after a failure: a disk that cannot take the key file
            // refuses presigning (503), not the gateway's start.
            var path = Path.Combine(Path.GetFullPath(store.Value.Root), "presign.key");
            _key = new(() => SigningKeyFile.LoadOrCreate(path), LazyThreadSafetyMode.PublicationOnly);
        }
    }

    public PresignedUrl Presign(PresignTarget target, Uri gatewayBaseUrl)
    {
        var expires = _clock.GetUtcNow().Add(target.ExpiresIn);
        var action = Action(target);
        var expiresText = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = new List<KeyValuePair<string, string>>();
        if (target.ContentType is not null)
        {
            signed.Add(KeyValuePair.Create(ContentTypeHeader, target.ContentType));
        }

        signed.AddRange(target.MetadataHeaders);
        var signedHeaders = string.Join(';', signed.Select(h => h.Key));
        var query = new Dictionary<string, string?> { ["action"] = action };
        if (target.UploadId is not null)
        {
            query["uploadId"] = target.UploadId;
            query["partNumber"] = target.PartNumber?.ToString(CultureInfo.InvariantCulture);
        }

        query[ExpiresParam] = expiresText;
        if (signedHeaders.Length > 0)
        {
            query[SignedHeadersParam] = signedHeaders;
        }

        query[SignatureParam] = Sign(target.Method, target.Key, action, target.UploadId, target.PartNumber?.ToString(CultureInfo.InvariantCulture), expiresText, signedHeaders,
            signed.Count == 0 ? null : string.Join('\n', signed.Select(h => h.Value)));
        // Authority and base path from the base URL, then the key's encoded path: no key can make
        // the URL name another host (a key starting with '//') or another key ('..' segments).
        var basePath = gatewayBaseUrl.AbsolutePath.TrimEnd('/');
        var url = QueryHelpers.AddQueryString($"{gatewayBaseUrl.GetLeftPart(UriPartial.Authority)}{basePath}/{ObjectKey.ToPath(target.Key)}", query);
        var headers = target.ContentType is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Content-Type"] = target.ContentType };
        if (target.ChecksumSha256 is { } sha256)
        {
            // Not part of the signature: the put checks the body against it, so leaving it out only
            // gives up that check, and sending another value fails the upload.
            headers[Storage.Checksums.HeaderName(Storage.ChecksumAlgorithm.Sha256)] = sha256;
        }

        foreach (var (name, value) in target.MetadataHeaders)
        {
            headers[name] = value;
        }

        return new PresignedUrl(new Uri(url), target.Method, expires, headers);
    }

    /// <summary>Null when <paramref name="request"/> carries a valid signature for itself; otherwise why not.</summary>
    public string? Verify(HttpRequest request, string key)
    {
        var q = request.Query;
        if (!long.TryParse(q[ExpiresParam], NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
        {
            return $"The presigned URL has no valid {ExpiresParam}.";
        }

        var signedHeaders = q[SignedHeadersParam].ToString();
        var names = signedHeaders.Length == 0 ? [] : signedHeaders.Split(';');
        if (names.FirstOrDefault(n => n != ContentTypeHeader && !n.StartsWith(Storage.ObjectMetadataRules.CustomHeaderPrefix, StringComparison.Ordinal)) is { } unknown)
        {
            return $"The presigned URL signs headers this gateway does not know: '{unknown}'.";
        }

        // Custom metadata is what the signer chose: a header the URL does not sign may not be added.
        foreach (var (name, _) in request.Headers)
        {
            if (name.StartsWith(Storage.ObjectMetadataRules.CustomHeaderPrefix, StringComparison.OrdinalIgnoreCase)
                && !names.Contains(name.ToLowerInvariant()))
            {
                return $"The presigned URL does not allow the header {name.ToLowerInvariant()}: presign with that metadata instead.";
            }
        }

        var method = HttpMethods.IsHead(request.Method) ? "GET" : request.Method;
        var values = names.Length == 0 ? null
            : string.Join('\n', names.Select(n => n == ContentTypeHeader ? request.ContentType ?? "" : request.Headers[n].ToString()));
        var expected = Sign(method, key, q["action"].ToString(), NullIfEmpty(q["uploadId"]), NullIfEmpty(q["partNumber"]), q[ExpiresParam].ToString(), signedHeaders, values);
        var provided = q[SignatureParam].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(provided)))
        {
            return "The signature does not match this request: the URL was changed, or it was signed for another key, method, part or Content-Type.";
        }

        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        return now > expiresAt
            ? $"The presigned URL expired at {DateTimeOffset.FromUnixTimeSeconds(expiresAt):u}."
            : null;
    }

    /// <summary>A key for another purpose, derived from the signing key (so one secret to keep).</summary>
    public byte[] DeriveKey(string purpose) => HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes(purpose));

    public static bool IsPresigned(HttpRequest request) => request.Query.ContainsKey(SignatureParam);

    private static string Action(PresignTarget target) => target switch
    {
        { UploadId: not null } => "mpu-uploadpart",
        { Method: "PUT" } => "put",
        _ => "get",
    };

    private string Sign(string method, string key, string action, string? uploadId, string? partNumber, string expires, string signedHeaders, string? signedValues)
    {
        var canonical = string.Join('\n', "R2GW-HMAC-SHA256", method, key, action, uploadId ?? "", partNumber ?? "", expires, signedHeaders, signedValues ?? "");
        return Base64Url.EncodeToString(HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes(canonical)));
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();

    private static byte[] DecodeKey(string base64)
    {
        var key = Convert.FromBase64String(base64);
        return key.Length >= 32 ? key : throw new InvalidOperationException("Presign:SigningKey must be the base64 of at least 32 random bytes.");
    }
}

/// <summary>The generated signing key: 32 random bytes in a file only its owner can read, made
/// durable (file and directory fsynced) before it signs anything.</summary>
internal static partial class SigningKeyFile
{
    public const int MinKeyBytes = 32;

    public static byte[] LoadOrCreate(string path)
    {
        var damaged = false;
        if (File.Exists(path))
        {
            var key = File.ReadAllBytes(path);
            if (key.Length >= MinKeyBytes)
            {
                return key;
            }

            // Short or empty (a crash before the key reached the disk): an HMAC with it would be
            // forgeable, and nothing it signed can be trusted, so it is replaced.
            damaged = true;
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new FileStream(temp, create);
            file.Write(RandomNumberGenerator.GetBytes(MinKeyBytes));
            file.Flush(flushToDisk: true);
        }
        catch (Exception e)
        {
            File.Delete(temp); // a full disk leaves no half-written key behind
            // EFBIG (a file-size limit) surfaces as ArgumentOutOfRangeException: still a storage fault, 503.
            throw e is IOException ? e : new IOException($"Cannot write the presign key file {path}.", e);
        }

        try
        {
            File.Move(temp, path, overwrite: damaged); // another gateway on this root may have won
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }

        DirectorySync.Flush(directory);
        var written = File.ReadAllBytes(path);
        return written.Length >= MinKeyBytes
            ? written
            : throw new InvalidOperationException($"The presign key file {path} holds {written.Length} bytes, fewer than {MinKeyBytes}.");
    }
}
