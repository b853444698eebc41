using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Polly;
using R2Gateway.Storage;

namespace R2Gateway.Cli.Gateway;

/// <summary>Where the gateway is and how to call it.</summary>
public sealed record GatewaySettings(Uri Endpoint, string? Token, RetrySettings Retry);

/// <summary>The gateway's HTTP contract (docs/contract.md) as typed calls, each through the retry policy.</summary>
public sealed class GatewayClient : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly string _base;

    public GatewayClient(GatewaySettings settings, Action<string> onRetry)
    {
        Endpoint = settings.Endpoint;
        _base = settings.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        // Timeouts belong to the retry policy (per attempt), not to HttpClient (per whole call).
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("r2gw", typeof(GatewayClient).Assembly.GetName().Version?.ToString(3)));
        if (!string.IsNullOrEmpty(settings.Token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        Requests = RetryPolicy.ForRequests(settings.Retry, onRetry);
        Streams = RetryPolicy.ForStreams(settings.Retry, onRetry);
        AttemptTimeout = settings.Retry.AttemptTimeout;
    }

    public Uri Endpoint { get; }

    public ResiliencePipeline Requests { get; }

    public ResiliencePipeline Streams { get; }

    public TimeSpan AttemptTimeout { get; }

    /// <param name="checksum">Sent as x-amz-checksum-algorithm: every part then carries one.</param>
    /// <param name="metadata">Custom metadata, sent as x-amz-meta-* (non-ASCII RFC 2047 encoded).</param>
    public async Task<string> CreateUploadAsync(string key, string? contentType, ChecksumAlgorithm? checksum, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var created = await SendForJsonAsync<CreatedUpload>("create", () =>
        {
            var request = WithMetadata(Request(HttpMethod.Post, key, "mpu-create", content: ContentTypeOnly(contentType)), metadata);
            if (checksum is { } algorithm)
            {
                request.Headers.Add(Checksums.AlgorithmHeader, Checksums.Name(algorithm).ToUpperInvariant());
            }

            return request;
        }, cancellationToken);
        return created.UploadId;
    }

    /// <summary>Sends one part from the file and checks the etag the gateway answers against the MD5 of
    /// what was sent, and the checksum it answers against <paramref name="checksum"/>.</summary>
    public Task<string> UploadPartAsync(string key, string uploadId, int partNumber, FileSlice slice, ObjectChecksum? checksum, Action<long> progress, CancellationToken cancellationToken) =>
        SendFileAsync($"part {partNumber}", slice, progress,
            content => WithChecksum(Request(HttpMethod.Put, key, "mpu-uploadpart", $"uploadId={Escape(uploadId)}&partNumber={partNumber}", content), checksum),
            async (response, sentMd5, token) =>
            {
                var part = await ReadJsonAsync<UploadedPart>(response, token);
                VerifyChecksum($"part {partNumber}", checksum, part.Checksums, required: true);
                return Etags.Normalize(part.Etag) == sentMd5
                    ? sentMd5
                    : throw new VerificationException($"part {partNumber}: the gateway's etag {part.Etag} is not the MD5 of the bytes sent ({sentMd5})");
            }, cancellationToken);

    /// <summary>Sends the whole file in one request; returns the gateway's answer and the MD5 of the bytes sent.</summary>
    public Task<(ObjectSummary Stored, string SentMd5)> PutAsync(string key, FileSlice file, string? contentType, ObjectChecksum? checksum,
        IReadOnlyDictionary<string, string> metadata, Action<long> progress, CancellationToken cancellationToken) =>
        SendFileAsync("put", file, progress, content =>
            {
                if (contentType is not null)
                {
                    content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                }

                return WithChecksum(WithMetadata(Request(HttpMethod.Put, key, "put", content: content), metadata), checksum);
            },
            async (response, sentMd5, token) =>
            {
                var stored = await ReadJsonAsync<ObjectSummary>(response, token);
                VerifyChecksum("put", checksum, stored.Checksums, required: true);
                return (stored, sentMd5);
            },
            cancellationToken);

    /// <summary>The gateway's answer must carry <paramref name="expected"/>; when it carries no checksum
    /// and <paramref name="required"/> is false (a bucket that does not keep them), that is allowed.</summary>
    public static void VerifyChecksum(string what, ObjectChecksum? expected, IReadOnlyDictionary<string, string>? answered, bool required)
    {
        if (expected is null)
        {
            return;
        }

        var name = Checksums.Name(expected.Algorithm);
        if (answered is null || !answered.TryGetValue(name, out var hex))
        {
            if (required)
            {
                throw new VerificationException($"{what}: the gateway answered no {name} checksum for the one sent");
            }

            return;
        }

        if (!string.Equals(hex, expected.Hex, StringComparison.OrdinalIgnoreCase))
        {
            throw new VerificationException($"{what}: the gateway's {name} {hex} differs from the local one, {expected.Hex}");
        }
    }

    public Task<ObjectSummary> CompleteAsync(string key, string uploadId, IReadOnlyList<string> partEtags, CancellationToken cancellationToken)
    {
        var body = new { parts = partEtags.Select((etag, i) => new UploadedPart(i + 1, etag)) };
        return SendForJsonAsync<ObjectSummary>("complete",
            () => Request(HttpMethod.Post, key, "mpu-complete", $"uploadId={Escape(uploadId)}", JsonContent.Create(body, options: Json)), cancellationToken);
    }

    public Task AbortAsync(string key, string uploadId, CancellationToken cancellationToken) =>
        SendAsync("abort", () => Request(HttpMethod.Delete, key, "mpu-abort", $"uploadId={Escape(uploadId)}"), cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        SendAsync("delete", () => Request(HttpMethod.Delete, key, "delete"), cancellationToken);

    /// <summary>Every part uploaded so far, following <c>nextPartNumberMarker</c> page by page.</summary>
    public async IAsyncEnumerable<PartEntry> ListPartsAsync(string key, string uploadId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var marker = 0; ;)
        {
            var page = await SendForJsonAsync<PartList>("list parts",
                () => Request(HttpMethod.Get, key, "mpu-listparts", $"uploadId={Escape(uploadId)}&partNumberMarker={marker}"), cancellationToken);
            foreach (var part in page.Parts)
            {
                yield return part;
            }

            if (!page.Truncated || page.NextPartNumberMarker is not { } next || next <= marker)
            {
                yield break;
            }

            marker = next;
        }
    }

    /// <summary>Every object under <paramref name="prefix"/> (and the delimited prefixes), following the cursor.</summary>
    public async IAsyncEnumerable<ObjectList> ListAsync(string prefix, string? delimiter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (string? cursor = null; ;)
        {
            var query = $"prefix={Escape(prefix)}{(delimiter is null ? "" : "&delimiter=" + Escape(delimiter))}{(cursor is null ? "" : "&cursor=" + Escape(cursor))}";
            var page = await SendForJsonAsync<ObjectList>("list", () => Request(HttpMethod.Get, "", "list", query), cancellationToken);
            yield return page;
            if (!page.Truncated || string.IsNullOrEmpty(page.Cursor))
            {
                yield break;
            }

            cursor = page.Cursor;
        }
    }

    public Task<PresignedUrl> PresignAsync(string key, PresignRequest presign, CancellationToken cancellationToken) =>
        SendForJsonAsync<PresignedUrl>("presign", () => Request(HttpMethod.Post, key, "presign", content: JsonContent.Create(presign, options: Json)), cancellationToken);

    /// <summary>The object's headers (metadata, checksums), from a HEAD.</summary>
    public async Task<HttpResponseMessage> StatAsync(string key, CancellationToken cancellationToken) =>
        await SendAsync("head", () => Request(HttpMethod.Head, key, "get"), cancellationToken);

    /// <summary>The object's size and etag, from a HEAD.</summary>
    public async Task<(long Size, string ETag)> HeadAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("head", () => Request(HttpMethod.Head, key, "get"), cancellationToken);
        return (response.Content.Headers.ContentLength ?? throw new GatewayException("the gateway's HEAD answer has no Content-Length"),
            Etags.Normalize(response.Headers.ETag?.Tag ?? throw new GatewayException("the gateway's HEAD answer has no etag")));
    }

    /// <summary>One attempt at the object's bytes from <paramref name="offset"/>, only while its etag is still
    /// <paramref name="etag"/>; the caller retries (<see cref="Streams"/>) and reads the body.</summary>
    public Task<HttpResponseMessage> GetOnceAsync(string key, long offset, string etag, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Get, key, "get");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(Etags.Quote(etag)));
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        return SendOnceAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static HttpRequestMessage WithMetadata(HttpRequestMessage request, IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (name, value) in metadata)
        {
            request.Headers.TryAddWithoutValidation("x-amz-meta-" + name, Rfc2047.Encode(value));
        }

        return request;
    }

    private static HttpRequestMessage WithChecksum(HttpRequestMessage request, ObjectChecksum? checksum)
    {
        if (checksum is not null)
        {
            request.Headers.Add(checksum.HeaderName, checksum.Value);
        }

        return request;
    }

    private static ByteArrayContent? ContentTypeOnly(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }

        var content = new ByteArrayContent([]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new GatewayException($"the gateway answered {(int)response.StatusCode} with an empty body");
        }
        catch (JsonException e)
        {
            throw new GatewayException($"the gateway's answer is not the JSON the contract describes: {e.Message}", e);
        }
    }

    /// <summary>The key's URL: each path segment percent-encoded, slashes kept, as the contract reads keys.</summary>
    private HttpRequestMessage Request(HttpMethod method, string key, string action, string? query = null, HttpContent? content = null)
    {
        // As the gateway's own URLs: a key with an empty, '.' or '..' segment is one segment with
        // %2F for its slashes, since Uri would collapse '//' and resolve dot segments into another key.
        var segments = key.Split('/');
        var path = segments.Any(s => s is "" or "." or "..") ? Escape(key) : string.Join('/', segments.Select(Escape));
        return new HttpRequestMessage(method, $"{_base}/{path}?action={action}{(query is null ? "" : "&" + query)}") { Content = content };
    }

    private Task<T> SendForJsonAsync<T>(string operation, Func<HttpRequestMessage> request, CancellationToken cancellationToken) =>
        Requests.RunAsync(operation, async token =>
        {
            using var response = await SendOnceAsync(request(), HttpCompletionOption.ResponseContentRead, token);
            return await ReadJsonAsync<T>(response, token);
        }, cancellationToken);

    private Task<HttpResponseMessage> SendAsync(string operation, Func<HttpRequestMessage> request, CancellationToken cancellationToken) =>
        Requests.RunAsync(operation, token => SendOnceAsync(request(), HttpCompletionOption.ResponseContentRead, token), cancellationToken);

    /// <summary>Streams <paramref name="slice"/> as the body; on a failed attempt the progress it reported is taken back.</summary>
    private Task<T> SendFileAsync<T>(string operation, FileSlice slice, Action<long> progress, Func<FileSliceContent, HttpRequestMessage> request,
        Func<HttpResponseMessage, string, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        Requests.RunAsync(operation, async token =>
        {
            var content = new FileSliceContent(slice, progress);
            try
            {
                using var response = await SendOnceAsync(request(content), HttpCompletionOption.ResponseContentRead, token);
                return await read(response, content.Md5 ?? throw new InvalidOperationException("the body was not sent"), token);
            }
            catch
            {
                progress(-content.BytesSent);
                throw;
            }
        }, cancellationToken);

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using (request)
        {
            var response = await _http.SendAsync(request, completion, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                throw await GatewayException.FromResponseAsync(response, cancellationToken);
            }
        }
    }
}

/// <summary>The gateway's ETag or size differs from the one computed locally; exit code 3.</summary>
public sealed class VerificationException : Exception
{
    public VerificationException(string message)
        : base(message)
    {
    }
}
