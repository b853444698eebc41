using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using R2Gateway.S3Api;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The S3 endpoint's answers to hand-written requests: its XML errors, and what it accepts
/// with and without tokens.</summary>
public sealed class S3EndpointTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task An_unsigned_request_to_a_gateway_with_tokens_is_AccessDenied_in_S3_XML()
    {
        using var response = await Http.PutAsync($"{s3.Endpoint}/{S3GatewayFixture.Bucket}/anon/{Guid.NewGuid():N}", new StringContent("x"));
        await ShouldBeS3ErrorAsync(response, HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task Unknown_subresources_are_NotImplemented_and_other_buckets_NoSuchBucket()
    {
        using var acl = await Http.GetAsync($"{s3.Endpoint}/{S3GatewayFixture.Bucket}/k?acl");
        await ShouldBeS3ErrorAsync(acl, HttpStatusCode.Forbidden, "AccessDenied"); // authentication comes first
        using var gateway = new FileSystemGateway();
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
        using var tagging = await Http.GetAsync($"{endpoint}/{S3GatewayFixture.Bucket}/k?tagging");
        await ShouldBeS3ErrorAsync(tagging, HttpStatusCode.NotImplemented, "NotImplemented");
        using var other = await Http.GetAsync($"{endpoint}/other-bucket?list-type=2");
        await ShouldBeS3ErrorAsync(other, HttpStatusCode.NotFound, "NoSuchBucket");
        using var missing = await Http.GetAsync($"{endpoint}/{S3GatewayFixture.Bucket}/no/such/key");
        await ShouldBeS3ErrorAsync(missing, HttpStatusCode.NotFound, "NoSuchKey");
    }

    [Fact]
    public async Task Without_tokens_the_loopback_endpoint_takes_unsigned_requests_and_the_Worker_API_sees_the_object()
    {
        using var gateway = new FileSystemGateway();
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
        var key = $"anon/{Guid.NewGuid():N}";
        using (var put = await Http.PutAsync($"{endpoint}/{S3GatewayFixture.Bucket}/{key}", new StringContent("open on loopback")))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
            put.Headers.ETag!.Tag.Should().Be($"\"{GatewayApi.Md5Hex("open on loopback"u8.ToArray())}\"");
        }

        (await new GatewayApi(gateway.Client).GetBytesAsync(key)).Should().Equal("open on loopback"u8.ToArray());
    }

    [Theory]
    [InlineData("x-amz-content-sha256", "0000000000000000000000000000000000000000000000000000000000000000", "XAmzContentSHA256Mismatch")]
    [InlineData("x-amz-checksum-crc32", "AAAAAA==", "BadDigest")]
    [InlineData("x-amz-checksum-crc64nvme", "AAAAAAAAAAA=", "BadDigest")]
    public async Task A_body_that_does_not_match_its_hash_or_checksum_is_refused_and_not_stored(string header, string value, string code)
    {
        using var gateway = new FileSystemGateway();
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
        var key = $"bad/{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{endpoint}/{S3GatewayFixture.Bucket}/{key}") { Content = new ByteArrayContent(GatewayApi.RandomBytes(100_000)) };
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await Http.SendAsync(request);
        await ShouldBeS3ErrorAsync(response, HttpStatusCode.BadRequest, code);
        (await new GatewayApi(gateway.Client).GetBytesAsync(key)).Should().BeNull();
    }

    [Fact]
    public async Task A_part_whose_checksum_header_does_not_match_is_BadDigest_and_not_kept()
    {
        using var gateway = new FileSystemGateway();
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
        var url = $"{endpoint}/{S3GatewayFixture.Bucket}/parts/{Guid.NewGuid():N}";
        using var created = await Http.PostAsync($"{url}?uploads", null);
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        var uploadId = XDocument.Parse(await created.Content.ReadAsStringAsync()).Root!.Elements().Single(e => e.Name.LocalName == "UploadId").Value;
        var data = GatewayApi.RandomBytes(100_000);
        var crc = Convert.ToBase64String(System.IO.Hashing.Crc32.Hash(data).Reverse().ToArray());
        foreach (var (value, status) in new[] { ("AAAAAA==", HttpStatusCode.BadRequest), (crc, HttpStatusCode.OK) })
        {
            using var part = new HttpRequestMessage(HttpMethod.Put, $"{url}?partNumber=1&uploadId={uploadId}") { Content = new ByteArrayContent(data) };
            part.Headers.TryAddWithoutValidation("x-amz-checksum-crc32", value);
            using var response = await Http.SendAsync(part);
            if (status == HttpStatusCode.BadRequest)
            {
                await ShouldBeS3ErrorAsync(response, status, "BadDigest");
                using var listed = await Http.GetAsync($"{url}?uploadId={uploadId}");
                XDocument.Parse(await listed.Content.ReadAsStringAsync()).Root!.Elements().Where(e => e.Name.LocalName == "Part").Should().BeEmpty();
            }
            else
            {
                response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
                response.Headers.GetValues("x-amz-checksum-crc32").Single().Should().Be(crc);
            }
        }
    }

    [Fact]
    public async Task A_body_with_its_right_crc32_and_crc64nvme_is_stored()
    {
        using var gateway = new FileSystemGateway();
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
        var data = "The quick brown fox jumps over the lazy dog"u8.ToArray();
        foreach (var header in new[] { "x-amz-checksum-crc32", "x-amz-checksum-crc64nvme" })
        {
            var checksum = header.EndsWith("crc32", StringComparison.Ordinal)
                ? System.IO.Hashing.Crc32.Hash(data).Reverse().ToArray()
                : System.IO.Hashing.Crc64.Hash(System.IO.Hashing.Crc64ParameterSet.Nvme, data).Reverse().ToArray();
            using var request = new HttpRequestMessage(HttpMethod.Put, $"{endpoint}/{S3GatewayFixture.Bucket}/ok/{header}") { Content = new ByteArrayContent(data) };
            request.Headers.TryAddWithoutValidation(header, Convert.ToBase64String(checksum));
            using var response = await Http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        // CRC-32 of this sentence is 0x414FA339, as every CRC-32 table says; S3 sends it big-endian.
        Convert.ToHexString(System.IO.Hashing.Crc32.Hash(data).Reverse().ToArray()).Should().Be("414FA339");
    }

    private static async Task ShouldBeS3ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/xml");
        var error = XDocument.Parse(text).Root!;
        error.Name.LocalName.Should().Be("Error");
        error.Element("Code")!.Value.Should().Be(code);
        error.Element("Message")!.Value.Should().NotBeNullOrWhiteSpace();
        error.Element("RequestId")!.Value.Should().Be(response.Headers.GetValues("x-amz-request-id").Single());
    }
}
