using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace R2Gateway.Events;

/// <summary><c>X-R2GW-Signature: sha256=&lt;hex HMAC-SHA256(secret, timestamp + "." + body)&gt;</c> with the
/// Unix timestamp in <c>X-R2GW-Timestamp</c>, so a receiver can refuse old (replayed) requests.</summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-R2GW-Signature";
    public const string TimestampHeader = "X-R2GW-Timestamp";
    public const string EventIdHeader = "X-R2GW-Event-Id";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    /// <summary>Constant-time check, for the gateway's own tests and for .NET receivers.</summary>
    public static bool Verify(string secret, string timestamp, ReadOnlySpan<byte> body, string signature) =>
        long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts)
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, ts, body)), Encoding.ASCII.GetBytes(signature));
}

/// <summary>Signs each attempt afresh (it sits inside the retry handler), so a retry an hour later
/// carries a current timestamp.</summary>
public sealed class WebhookSigningHandler(string secret, TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Remove(WebhookSignature.TimestampHeader);
        request.Headers.Remove(WebhookSignature.SignatureHeader);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secret, timestamp, body));
        return await base.SendAsync(request, cancellationToken);
    }
}
