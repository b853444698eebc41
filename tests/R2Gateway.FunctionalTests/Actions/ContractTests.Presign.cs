using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>presign and mpu-presign-part: URLs that carry their own authority, for one request.
/// With the filesystem store they point back at the gateway; with the S3 store, at the bucket.</summary>
public abstract partial class ContractTests
{
    protected HttpClient UrlClient => gateway.UrlClient;

    protected async Task<JsonObject> PresignAsync(string key, object body, string action = "presign", string? query = null)
    {
        using var response = await Http.PostAsJsonAsync(Url(key, action, query), body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        answer["expiresAt"]!.GetValue<DateTimeOffset>().Should().BeAfter(DateTimeOffset.UtcNow);
        return answer;
    }

    private static string Tamper(string url)
    {
        // Flip one character of the signature, wherever the scheme keeps it.
        var at = url.LastIndexOf("Signature=", StringComparison.Ordinal) + "Signature=".Length;
        var c = url[at] == 'A' ? 'B' : 'A';
        return url[..at] + c + url[(at + 1)..];
    }

    [Fact]
    public async Task A_presigned_PUT_uploads_the_object_and_a_presigned_GET_reads_it()
    {
        var key = UniqueKey("presigned.bin");
        var data = RandomBytes(100_000);
        var put = await PresignAsync(key, new { method = "PUT", expiresIn = 300 });
        put["method"]!.GetValue<string>().Should().Be("PUT");

        using (var upload = await UrlClient.PutAsync(put["url"]!.GetValue<string>(), new ByteArrayContent(data)))
        {
            upload.StatusCode.Should().Be(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        }

        (await Api.GetBytesAsync(key)).Should().Equal(data);
        var get = await PresignAsync(key, new { method = "GET", expiresIn = 300 });
        (await UrlClient.GetByteArrayAsync(get["url"]!.GetValue<string>())).Should().Equal(data);
    }

    [Fact]
    public async Task Tampered_presigned_urls_are_refused_and_nothing_is_written()
    {
        var key = UniqueKey();
        var original = RandomBytes(10);
        await Api.PutOkAsync(key, original);
        var put = (await PresignAsync(key, new { method = "PUT" }))["url"]!.GetValue<string>();
        var get = (await PresignAsync(key, new { method = "GET" }))["url"]!.GetValue<string>();
        var otherKey = put.Replace(Uri.EscapeDataString(key.Split('/')[^1]), "other", StringComparison.Ordinal);

        (await UrlClient.PutAsync(Tamper(put), new ByteArrayContent(RandomBytes(10)))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await UrlClient.PutAsync(otherKey, new ByteArrayContent(RandomBytes(10)))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await UrlClient.GetAsync(Tamper(get))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await UrlClient.PutAsync(get, new ByteArrayContent(RandomBytes(10)))).StatusCode.Should().Be(HttpStatusCode.Forbidden, "a GET URL does not allow a PUT");
        (await Api.GetBytesAsync(key)).Should().Equal(original);
    }

    [Fact]
    public async Task An_expired_presigned_url_is_refused()
    {
        var key = UniqueKey();
        await Api.PutOkAsync(key, RandomBytes(10));
        // The judge of expiry is the server that checks the URL, radosgw's real clock for the S3 store,
        // so real time passes here (GatewayPresignTests moves a fake clock for the gateway's own URLs).
        var get = (await PresignAsync(key, new { method = "GET", expiresIn = 1 }))["url"]!.GetValue<string>();
        await Eventually.Until(async () => (await UrlClient.GetAsync(get)).StatusCode == HttpStatusCode.Forbidden, because: "the URL expired");
    }

    [Fact]
    public async Task A_presigned_PUT_signs_the_metadata_and_sha256_it_must_send()
    {
        var key = UniqueKey();
        var data = RandomBytes(1000);
        var sha256 = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(data));
        var answer = await PresignAsync(key, new { method = "PUT", checksumSha256 = sha256, metadata = new Dictionary<string, string> { ["Owner"] = "alice" } });
        answer["headers"]!["x-amz-meta-owner"]!.GetValue<string>().Should().Be("alice");
        answer["headers"]!["x-amz-checksum-sha256"]!.GetValue<string>().Should().Be(sha256);
        var url = answer["url"]!.GetValue<string>();

        HttpRequestMessage Upload(string owner)
        {
            var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(data) };
            request.Headers.Add("x-amz-meta-owner", owner);
            request.Headers.Add("x-amz-checksum-sha256", sha256);
            return request;
        }

        (await UrlClient.SendAsync(Upload("mallory"))).StatusCode.Should().Be(HttpStatusCode.Forbidden, "the metadata is signed");
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        using (var put = await UrlClient.SendAsync(Upload("alice")))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        using var get = await Api.GetAsync(key);
        get.Headers.GetValues("x-amz-meta-owner").Should().Equal("alice");
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task Presign_with_too_much_metadata_is_400()
    {
        using var response = await Http.PostAsJsonAsync(Url(UniqueKey(), "presign"),
            new { method = "PUT", metadata = new Dictionary<string, string> { ["big"] = new string('x', 9000) } });
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MetadataTooLarge");
    }

    [Fact]
    public async Task A_presigned_PUT_with_a_content_type_needs_that_content_type()
    {
        var key = UniqueKey("photo.png");
        var answer = await PresignAsync(key, new { method = "PUT", contentType = "image/png" });
        answer["headers"]!["Content-Type"]!.GetValue<string>().Should().Be("image/png");
        var url = answer["url"]!.GetValue<string>();

        var wrong = new ByteArrayContent([1, 2, 3]);
        wrong.Headers.ContentType = new MediaTypeHeaderValue("text/html");
        (await UrlClient.PutAsync(url, wrong)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var right = new ByteArrayContent([1, 2, 3]);
        right.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        (await UrlClient.PutAsync(url, right)).StatusCode.Should().Be(HttpStatusCode.OK);
        using var get = await Api.GetAsync(key);
        get.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
    }

    [Fact]
    public async Task Presigned_part_urls_upload_parts_whose_etag_headers_complete_the_upload()
    {
        var key = UniqueKey();
        var data = RandomBytes(5 * MiB + 300);
        var uploadId = await Api.CreateAsync(key);
        var etags = new List<(int, string)>();
        foreach (var (n, slice) in new[] { (1, data[..(5 * MiB)]), (2, data[(5 * MiB)..]) })
        {
            var url = (await PresignAsync(key, new { expiresIn = 600 }, "mpu-presign-part", $"uploadId={Uri.EscapeDataString(uploadId)}&partNumber={n}"))["url"]!.GetValue<string>();
            using var put = await UrlClient.PutAsync(url, new ByteArrayContent(slice));
            put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            etags.Add((n, put.Headers.ETag!.Tag)); // what a browser reads
        }

        (await Api.CompleteAsync(key, uploadId, etags)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(key)).Should().Equal(data);
    }

    [Fact]
    public async Task A_part_url_cannot_be_used_for_another_part_number()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var url = (await PresignAsync(key, new { }, "mpu-presign-part", $"uploadId={Uri.EscapeDataString(uploadId)}&partNumber=1"))["url"]!.GetValue<string>();

        var moved = url.Replace("partNumber=1", "partNumber=2", StringComparison.Ordinal);
        moved.Should().NotBe(url);
        (await UrlClient.PutAsync(moved, new ByteArrayContent(RandomBytes(10)))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Api.ListPartsAsync(key, uploadId))["parts"]!.AsArray().Should().BeEmpty();
    }

    [Theory]
    [InlineData("{\"method\": \"DELETE\"}")]
    [InlineData("{\"method\": \"PUT\", \"expiresIn\": 0}")]
    [InlineData("{\"method\": \"PUT\", \"expiresIn\": 604801}")]
    [InlineData("{\"method\": \"GET\", \"expiresIn\": \"soon\"}")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task Presign_with_a_bad_body_is_400(string body)
    {
        using var response = await Http.PostAsync(Url(UniqueKey(), "presign"), new StringContent(body));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument");
    }
}
