using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace R2Gateway.S3Api;

/// <summary>What a verified SigV4 request leaves for its body: the key and seed signature that chain
/// the aws-chunked chunk signatures.</summary>
public sealed record S3Signing(byte[] SigningKey, string AmzDate, string Scope, string SeedSignature);

/// <summary>
/// The parts of AWS Signature Version 4 a server needs. Key derivation, hashing and HMAC are the
/// AWS SDK's (<see cref="AWS4Signer"/>); the canonical request is built here from the HTTP request
/// as received, because the SDK builds it only from its own request objects.
/// </summary>
public sealed class SigV4Request
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);
    private static readonly string[] Regions = ["auto", "us-east-1", ""];

    public required string AccessKeyId { get; init; }
    public required string Date { get; init; }
    public required string Region { get; init; }
    public required string AmzDate { get; init; }
    public required string[] SignedHeaders { get; init; }
    public required string Signature { get; init; }
    public required string PayloadHash { get; init; }
    public TimeSpan? Expires { get; init; }

    public string Scope => $"{Date}/{Region}/s3/aws4_request";

    /// <summary>The request's SigV4 parameters (header or presigned query), or null when it carries none.</summary>
    public static SigV4Request? Parse(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            var parts = header[Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
            return Build(parts.GetValueOrDefault("Credential"), parts.GetValueOrDefault("SignedHeaders"), parts.GetValueOrDefault("Signature"),
                request.Headers["x-amz-date"].ToString() is { Length: > 0 } date ? date : null,
                request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } hash ? hash
                    : throw Error.InvalidRequest("Missing required header for this request: x-amz-content-sha256"),
                expires: null);
        }

        if (request.Headers.Authorization.Count > 0 && header.StartsWith("AWS ", StringComparison.Ordinal))
        {
            throw Error.InvalidRequest("Signature Version 2 is not supported; sign with AWS4-HMAC-SHA256.");
        }

        var q = request.Query;
        if (!q.ContainsKey("X-Amz-Algorithm"))
        {
            return null;
        }

        if (q["X-Amz-Algorithm"] != Algorithm)
        {
            throw Error.InvalidArgument($"X-Amz-Algorithm must be {Algorithm}.");
        }

        if (!int.TryParse(q["X-Amz-Expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 604800)
        {
            throw Error.AuthorizationQueryParametersError("X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days).");
        }

        return Build(q["X-Amz-Credential"], q["X-Amz-SignedHeaders"], q["X-Amz-Signature"], q["X-Amz-Date"],
            request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } h ? h : UnsignedPayload, TimeSpan.FromSeconds(seconds));
    }

    private static SigV4Request Build(string? credential, string? signedHeaders, string? signature, string? amzDate, string payloadHash, TimeSpan? expires)
    {
        var scope = credential?.Split('/');
        if (scope is not [var akid, var date, var region, "s3", "aws4_request"] || akid.Length == 0)
        {
            throw Error.AuthorizationHeaderMalformed("The Credential must be <access key id>/<yyyyMMdd>/<region>/s3/aws4_request.");
        }

        if (!Regions.Contains(region))
        {
            throw Error.AuthorizationHeaderMalformed($"The region '{region}' is wrong; expecting 'auto' (or 'us-east-1').");
        }

        if (string.IsNullOrEmpty(signedHeaders) || string.IsNullOrEmpty(signature) || amzDate is null || signature.Length != 64)
        {
            throw Error.AuthorizationHeaderMalformed("The authorization needs SignedHeaders, a 64-hex-digit Signature and X-Amz-Date.");
        }

        if (!amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            throw Error.AuthorizationHeaderMalformed("The Credential's date does not match X-Amz-Date.");
        }

        var names = signedHeaders.Split(';');
        if (!names.Contains("host"))
        {
            throw Error.AuthorizationHeaderMalformed("SignedHeaders must include host.");
        }

        return new SigV4Request
        {
            AccessKeyId = akid, Date = date, Region = region, AmzDate = amzDate, SignedHeaders = names,
            Signature = signature, PayloadHash = payloadHash, Expires = expires,
        };
    }

    /// <summary>Checks the time and the signature with <paramref name="secret"/>; throws a <see cref="ContractException"/> when either is wrong.</summary>
    public S3Signing Verify(HttpContext context, string secret, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParseExact(AmzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw Error.AccessDenied("X-Amz-Date must be yyyyMMddTHHmmssZ.");
        }

        if (Expires is { } expires)
        {
            if (signedAt - now > AllowedSkew)
            {
                throw Error.AccessDenied("Request is not valid yet.");
            }

            if (now > signedAt + expires)
            {
                throw Error.AccessDenied("Request has expired.");
            }
        }
        else if ((now - signedAt).Duration() > AllowedSkew)
        {
            throw Error.RequestTimeTooSkewed();
        }

        var (key, expected) = Sign(CanonicalRequest(context), AmzDate, Scope, Date, Region, secret);
        if (!FixedTimeEqualsHex(expected, Signature))
        {
            throw Error.SignatureDoesNotMatch();
        }

        return new S3Signing(key, AmzDate, Scope, Signature);
    }

    /// <summary>SigV4's signature of a canonical request (the signing key too, which chunk signatures chain from);
    /// hashing, key derivation and HMAC are the SDK's.</summary>
    public static (byte[] Key, byte[] Signature) Sign(string canonical, string amzDate, string scope, string date, string region, string secret)
    {
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(AWS4Signer.ComputeHash(canonical))}";
        var key = AWS4Signer.ComposeSigningKey(secret, region, date, "s3");
        return (key, AWS4Signer.ComputeKeyedHash(Amazon.Runtime.SigningAlgorithm.HmacSHA256, key, stringToSign));
    }

    public static bool FixedTimeEqualsHex(byte[] expected, string presentedHex)
    {
        var presented = new byte[expected.Length];
        var ok = Convert.FromHexString(presentedHex, presented, out _, out var written) == System.Buffers.OperationStatus.Done && written == expected.Length;
        return CryptographicOperations.FixedTimeEquals(expected, presented) && ok;
    }

    /// <summary>S3's canonical request. The path is taken as the client sent it, decoded and encoded
    /// again the S3 way (each segment, '/' kept), so any equivalent spelling signs the same.</summary>
    private string CanonicalRequest(HttpContext context)
    {
        var request = context.Request;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;
        var q = raw.IndexOf('?');
        var path = q < 0 ? raw : raw[..q];
        var query = q < 0 ? "" : raw[(q + 1)..];
        var sb = new StringBuilder();
        sb.Append(request.Method).Append('\n');
        sb.Append(UriEncode(Uri.UnescapeDataString(path), keepSlash: true)).Append('\n');
        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Encode(p[0]), Value: p.Length > 1 ? Encode(p[1]) : ""))
            .Where(p => p.Name != "X-Amz-Signature")
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal);
        sb.AppendJoin('&', pairs.Select(p => p.Name + "=" + p.Value)).Append('\n');
        foreach (var name in SignedHeaders)
        {
            var values = name == "host" ? request.Host.Value ?? "" : string.Join(',', request.Headers[name].Select(v => Collapse(v ?? "")));
            sb.Append(name).Append(':').Append(values).Append('\n');
        }

        sb.Append('\n').AppendJoin(';', SignedHeaders).Append('\n');
        sb.Append(Expires is null ? PayloadHash : request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } h ? h : UnsignedPayload);
        return sb.ToString();

        static string Encode(string s) => UriEncode(Uri.UnescapeDataString(s), keepSlash: false);
    }

    /// <summary>SigV4's UriEncode: every UTF-8 byte but A-Z a-z 0-9 - _ . ~ (and '/' in a path) as %XX.
    /// Hand-written: the SDK's encoder keeps more characters in paths than S3's canonical form does.</summary>
    public static string UriEncode(string value, bool keepSlash)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' || (keepSlash && b == '/'))
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string Collapse(string value)
    {
        var trimmed = value.Trim();
        return trimmed.Contains("  ", StringComparison.Ordinal) ? string.Join(' ', trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries)) : trimmed;
    }

    /// <summary>The signature of one aws-chunked chunk, or of the trailer, chained on the previous one.</summary>
    public static byte[] ChainSignature(S3Signing signing, string kind, string previous, string hashHex)
    {
        var empty = kind == "AWS4-HMAC-SHA256-PAYLOAD" ? "\n" + EmptySha256 : "";
        var stringToSign = $"{kind}\n{signing.AmzDate}\n{signing.Scope}\n{previous}{empty}\n{hashHex}";
        return AWS4Signer.ComputeKeyedHash(Amazon.Runtime.SigningAlgorithm.HmacSHA256, signing.SigningKey, stringToSign);
    }

    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}
