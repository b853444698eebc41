using System.Text;
using Amazon.Runtime.Internal.Auth;
using R2Gateway.S3Api;

namespace R2Gateway.Tests.S3Api;

/// <summary>The aws-chunked decoder against AWS's own published example ("Signature Calculations for
/// the Authorization Header: Transferring Payload in Multiple Chunks", 65 KiB of 'a' in two chunks).</summary>
public sealed class AwsChunkedStreamTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string Seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    private static readonly S3Signing Signing = new(
        AWS4Signer.ComposeSigningKey(Secret, "us-east-1", "20130524", "s3"), "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", Seed);

    private static byte[] Body(string firstSignature = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", char fill = 'a')
    {
        var sb = new StringBuilder();
        sb.Append($"10000;chunk-signature={firstSignature}\r\n").Append(fill, 65536).Append("\r\n");
        sb.Append("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n").Append('a', 1024).Append("\r\n");
        sb.Append("0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static async Task<byte[]> DecodeAsync(byte[] body)
    {
        var stream = new AwsChunkedStream(new MemoryStream(body), Signing, signedChunks: true, null, null, null, 66560);
        using var output = new MemoryStream();
        await stream.CopyToAsync(output, 1000);
        return output.ToArray();
    }

    [Fact]
    public async Task AWS_example_body_decodes_with_every_signature_verified()
    {
        (await DecodeAsync(Body())).Should().Equal(Enumerable.Repeat((byte)'a', 66560));
    }

    [Fact]
    public async Task A_changed_byte_in_a_chunk_is_SignatureDoesNotMatch()
    {
        var body = Body();
        body[200] = (byte)'b';
        var error = await FluentActions.Awaiting(() => DecodeAsync(body)).Should().ThrowAsync<ContractException>();
        error.Which.Code.Should().Be(ErrorCode.SignatureDoesNotMatch);
    }

    [Fact]
    public async Task A_forged_chunk_signature_is_SignatureDoesNotMatch()
    {
        var error = await FluentActions.Awaiting(() => DecodeAsync(Body(firstSignature: new string('0', 64)))).Should().ThrowAsync<ContractException>();
        error.Which.Code.Should().Be(ErrorCode.SignatureDoesNotMatch);
    }

    [Fact]
    public async Task A_body_shorter_than_its_decoded_length_is_refused()
    {
        var stream = new AwsChunkedStream(new MemoryStream(Body()), Signing, signedChunks: true, null, null, null, 70000);
        var error = await FluentActions.Awaiting(() => stream.CopyToAsync(Stream.Null)).Should().ThrowAsync<ContractException>();
        error.Which.Code.Should().Be(ErrorCode.IncompleteBody);
    }
}
