using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.S3;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>Crafted SigV4 authorizations, in the header and in a presigned query: each gets its S3
/// error in XML, never a 500, and a correctly signed request still works afterwards.</summary>
public sealed class SigV4HostileInputTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    private const string Hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Known = "KNOWN"; // replaced by the fixture's real access key id
    private static readonly HttpClient Http = new();

    private static string Today => DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string Now => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static TheoryData<string, string, int, string> Headers() => new()
    {
        { "a credential without its scope", "Credential=AKIDONLY, SignedHeaders=host, Signature=" + Hex64, 400, "AuthorizationHeaderMalformed" },
        { "a region other than auto or us-east-1", $"Credential={Known}/{{today}}/eu-west-9/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64}", 400, "AuthorizationHeaderMalformed" },
        { "a signature that is not 64 hex digits", $"Credential={Known}/{{today}}/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64[1..]}", 400, "AuthorizationHeaderMalformed" },
        { "signed headers without host", $"Credential={Known}/{{today}}/auto/s3/aws4_request, SignedHeaders=x-amz-date, Signature={Hex64}", 400, "AuthorizationHeaderMalformed" },
        { "a credential dated another day", $"Credential={Known}/20200101/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64}", 400, "AuthorizationHeaderMalformed" },
        { "an access key nobody was given", $"Credential=AKIAIOSFODNN7EXAMPLE/{{today}}/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64}", 403, "InvalidAccessKeyId" },
        { "an 8,000-character access key id", $"Credential={new string('A', 8000)}/{{today}}/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64}", 403, "InvalidAccessKeyId" },
        { "an 8,000-character key in the form of the gateway's presigning keys", $"Credential=R2GWS{new string('Q', 8000)}/{{today}}/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64}", 403, "InvalidAccessKeyId" },
        { "a presigning-form key that is not base64", $"Credential=R2GWS!!not*base64!!/{{today}}/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={Hex64}", 403, "InvalidAccessKeyId" },
        { "a real access key with a made-up signature", $"Credential={Known}/{{today}}/auto/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={Hex64}", 403, "SignatureDoesNotMatch" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task A_crafted_authorization_header_gets_its_S3_error(string what, string authorization, int status, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{s3.Endpoint}/{S3GatewayFixture.Bucket}/hostile/{Guid.NewGuid():N}");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 " + authorization.Replace(Known, s3.All.AccessKeyId, StringComparison.Ordinal).Replace("{today}", Today, StringComparison.Ordinal));
        request.Headers.TryAddWithoutValidation("x-amz-date", Now);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
        using var response = await Http.SendAsync(request);
        await ShouldBeS3ErrorAsync(response, status, code, what);
        await AStillSignedRequestWorksAsync();
    }

    [Theory]
    [InlineData("Signature Version 2", "AWS AKIAIOSFODNN7EXAMPLE:c2lnbmF0dXJl", "UNSIGNED-PAYLOAD", 400, "InvalidRequest")]
    [InlineData("no x-amz-content-sha256", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/{today}/auto/s3/aws4_request, SignedHeaders=host, Signature=" + Hex64, null, 400, "InvalidRequest")]
    [InlineData("a date that is not a date", "AWS4-HMAC-SHA256 Credential=KNOWN/{today}/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + Hex64, "UNSIGNED-PAYLOAD", 403, "AccessDenied")]
    public async Task A_request_signed_the_wrong_way_gets_its_S3_error(string what, string authorization, string? payloadHash, int status, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{s3.Endpoint}/{S3GatewayFixture.Bucket}/hostile/{Guid.NewGuid():N}");
        request.Headers.TryAddWithoutValidation("Authorization", authorization.Replace(Known, s3.All.AccessKeyId, StringComparison.Ordinal).Replace("{today}", Today, StringComparison.Ordinal));
        request.Headers.TryAddWithoutValidation("x-amz-date", what == "a date that is not a date" ? Today + "T99:99:99Z" : Now);
        if (payloadHash is not null)
        {
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        }

        using var response = await Http.SendAsync(request);
        await ShouldBeS3ErrorAsync(response, status, code, what);
    }

    [Theory]
    [InlineData("X-Amz-Expires=0", "AuthorizationQueryParametersError")]
    [InlineData("X-Amz-Expires=604801", "AuthorizationQueryParametersError")]
    [InlineData("X-Amz-Expires=-5", "AuthorizationQueryParametersError")]
    [InlineData("X-Amz-Expires=99999999999999999999", "AuthorizationQueryParametersError")]
    [InlineData("X-Amz-Expires=60&X-Amz-Algorithm=AWS4-HMAC-SHA1", "InvalidArgument")]
    public async Task A_crafted_presigned_query_is_a_400(string query, string code)
    {
        var algorithm = query.Contains("X-Amz-Algorithm", StringComparison.Ordinal) ? "" : "&X-Amz-Algorithm=AWS4-HMAC-SHA256";
        var url = $"{s3.Endpoint}/{S3GatewayFixture.Bucket}/hostile/{Guid.NewGuid():N}?{query}{algorithm}" +
            $"&X-Amz-Credential={s3.All.AccessKeyId}%2F{Today}%2Fauto%2Fs3%2Faws4_request&X-Amz-Date={Now}&X-Amz-SignedHeaders=host&X-Amz-Signature={Hex64}";
        using var response = await Http.GetAsync(url);
        await ShouldBeS3ErrorAsync(response, 400, code, query);
        await AStillSignedRequestWorksAsync();
    }

    private async Task AStillSignedRequestWorksAsync()
    {
        using var client = s3.SdkClient(s3.All);
        var key = $"hostile/control/{Guid.NewGuid():N}";
        await client.PutObjectAsync(new() { BucketName = S3GatewayFixture.Bucket, Key = key, ContentBody = "still serving" });
        (await client.GetObjectMetadataAsync(S3GatewayFixture.Bucket, key)).ContentLength.Should().Be(13);
    }

    private static async Task ShouldBeS3ErrorAsync(HttpResponseMessage response, int status, string code, string because)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, $"{because}: {text}");
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/xml", because);
        var error = XDocument.Parse(text).Root!;
        error.Element("Code")!.Value.Should().Be(code, because);
        error.Element("Message")!.Value.Should().NotBeNullOrWhiteSpace();
        text.Should().NotContain(new string('A', 100), "an attacker's input is not echoed back at length");
    }
}
