using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>AWSSDK.S3 (the .NET SDK) against the gateway's S3 endpoint: it signs every aws-chunked
/// chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD…) over plain http.</summary>
public sealed class DotnetSdkTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    private AmazonS3Client Client((string AccessKeyId, string Secret) key, string? secret = null) => s3.SdkClient(key, secret);

    [Fact]
    public async Task TransferUtility_uploads_in_parts_with_chunk_signatures_and_downloads()
    {
        using var client = Client(s3.All);
        var data = RandomBytes(11 * MiB + 5);
        var key = $"dotnet/{Guid.NewGuid():N}/big.bin";
        using var transfer = new TransferUtility(client, new TransferUtilityConfig { MinSizeBeforePartUpload = 5 * MiB });
        await transfer.UploadAsync(new TransferUtilityUploadRequest
        {
            InputStream = new MemoryStream(data), BucketName = S3GatewayFixture.Bucket, Key = key, PartSize = 5 * MiB,
        });

        using var get = await client.GetObjectAsync(S3GatewayFixture.Bucket, key);
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy);
        copy.ToArray().Should().Equal(data);
        get.ETag.Should().EndWith("-3\"");
    }

    [Fact]
    public async Task PutObject_with_a_signed_chunked_body_round_trips_and_a_wrong_secret_is_refused()
    {
        using var client = Client(s3.All);
        var data = RandomBytes(200 * 1024);
        var key = $"dotnet/{Guid.NewGuid():N}/put.bin";
        var put = await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = S3GatewayFixture.Bucket, Key = key, InputStream = new MemoryStream(data), UseChunkEncoding = true,
        });
        put.ETag.Should().Be($"\"{Md5Hex(data)}\"");

        using var wrong = Client(s3.All, "not-the-secret-0000000000000000000000000");
        var refused = await FluentActions.Awaiting(() => wrong.PutObjectAsync(new PutObjectRequest
        {
            BucketName = S3GatewayFixture.Bucket, Key = key + ".wrong", InputStream = new MemoryStream(data),
        })).Should().ThrowAsync<AmazonS3Exception>();
        refused.Which.ErrorCode.Should().Be("SignatureDoesNotMatch");
        refused.Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }
}
