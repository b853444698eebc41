using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.FunctionalTests.Infrastructure;
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
