using System.Net;
using System.Text;
using R2Gateway.FunctionalTests.Infrastructure;
using static R2Gateway.FunctionalTests.Infrastructure.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>Bad input: each gets the right 4xx as problem+json, the server keeps serving, and
/// nothing stored changes (a sentinel object and an upload in progress are checked after each).</summary>
public abstract partial class ContractTests
{
    private async Task<Sentinel> MakeSentinelAsync()
    {
        var key = UniqueKey("sentinel");
        var data = RandomBytes(6 * MiB);
        var uploadId = await Api.CreateAsync(key);
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, data[..(5 * MiB)]);
        await Api.PutOkAsync(key + ".object", data);
        return new Sentinel(key, uploadId, etag, data);
    }

    private async Task ShouldBeIntactAsync(Sentinel s)
    {
        (await Http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "the server keeps serving");
        (await Api.GetBytesAsync(s.Key + ".object")).Should().Equal(s.Data, "a stored object is not touched by a bad request");
        var parts = (await Api.ListPartsAsync(s.Key, s.UploadId))["parts"]!.AsArray();
        parts.Select(p => p!["etag"]!.GetValue<string>()).Should().Equal(s.Part1ETag);
        (await Api.GetAsync(s.Key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10001")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("-1")]
    [InlineData("")]
    public async Task Upload_part_with_a_bad_partNumber_is_400(string partNumber)
    {
        var s = await MakeSentinelAsync();
        using var response = await Http.PutAsync(Url(s.Key, "mpu-uploadpart", $"uploadId={s.UploadId}&partNumber={partNumber}"), new ByteArrayContent(RandomBytes(10)));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "partNumber");
        await ShouldBeIntactAsync(s);
    }

    [Theory]
    [InlineData("partNumber=1")]
    [InlineData("uploadId=x")]
    public async Task Upload_part_without_partNumber_or_uploadId_is_400(string query)
    {
        using var response = await Http.PutAsync(Url(UniqueKey(), "mpu-uploadpart", query), new ByteArrayContent(RandomBytes(10)));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, detailContains: "Missing partNumber or uploadId");
    }

    [Fact]
    public async Task Upload_part_without_a_body_is_400()
    {
        var s = await MakeSentinelAsync();
        using var response = await Http.PutAsync(Url(s.Key, "mpu-uploadpart", $"uploadId={s.UploadId}&partNumber=2"), new ByteArrayContent([]));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, detailContains: "Missing request body");
        await ShouldBeIntactAsync(s);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("../../../etc")]
    [InlineData("nope")]
    public async Task Upload_part_to_an_unknown_uploadId_is_404(string uploadId)
    {
        using var response = await Api.UploadPartAsync(UniqueKey(), uploadId, 1, RandomBytes(10));
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
    }

    [Fact]
    public async Task An_uploadId_of_another_key_is_404_for_every_upload_action_but_abort_which_aborts_nothing()
    {
        var s = await MakeSentinelAsync();
        var other = UniqueKey();

        await (await Api.UploadPartAsync(other, s.UploadId, 2, RandomBytes(10))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        await (await Api.CompleteAsync(other, s.UploadId, [(1, s.Part1ETag)])).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        await (await Http.GetAsync(Url(other, "mpu-listparts", $"uploadId={s.UploadId}"))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        (await Http.DeleteAsync(Url(other, "mpu-abort", $"uploadId={s.UploadId}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await Api.GetAsync(other)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await ShouldBeIntactAsync(s);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"parts\": []}")]
    [InlineData("{\"parts\": null}")]
    [InlineData("{\"parts\": [{\"partNumber\": 1}]}")]
    [InlineData("{\"parts\": [{\"etag\": \"abc\"}]}")]
    [InlineData("{\"parts\": [null]}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"parts\": [{\"partNumber\": 1, \"etag\": \"x\"}")]
    public async Task Complete_with_a_malformed_body_is_400_Missing_or_incomplete_body(string body)
    {
        var s = await MakeSentinelAsync();
        using var response = await Api.CompleteRawAsync(s.Key, s.UploadId, body);
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, detailContains: "Missing or incomplete body");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_without_uploadId_is_400()
    {
        using var response = await Http.PostAsync(Url(UniqueKey(), "mpu-complete"), new StringContent("{}"));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, detailContains: "Missing uploadId");
    }

    [Fact]
    public async Task Complete_with_a_10_MB_junk_body_is_413()
    {
        var s = await MakeSentinelAsync();
        var junk = "{\"parts\": [" + new string(' ', 10 * 1000 * 1000) + "]}";
        using var response = await Api.CompleteRawAsync(s.Key, s.UploadId, junk);
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "EntityTooLarge");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_with_a_10_MB_chunked_junk_body_is_413()
    {
        var s = await MakeSentinelAsync();
        var junk = Encoding.UTF8.GetBytes("{\"parts\": [" + new string(' ', 10 * 1000 * 1000) + "]}");
        using var response = await Http.PostAsync(Url(s.Key, "mpu-complete", $"uploadId={s.UploadId}"), new ChunkedContent(junk));
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "EntityTooLarge");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_accepts_a_list_of_10000_parts_in_its_body()
    {
        var s = await MakeSentinelAsync();
        var parts = Enumerable.Range(1, 10_000).Select(n => (n, "0123456789abcdef0123456789abcdef"));
        using var response = await Api.CompleteAsync(s.Key, s.UploadId, parts);
        // The body is read and checked: the parts were never uploaded, so InvalidPart rather than a size refusal.
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidPart");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_with_duplicate_parts_is_400()
    {
        var s = await MakeSentinelAsync();
        using var response = await Api.CompleteAsync(s.Key, s.UploadId, [(1, s.Part1ETag), (1, s.Part1ETag)]);
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "more than once");
        await ShouldBeIntactAsync(s);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10001)]
    public async Task Complete_with_an_out_of_range_partNumber_is_400(int partNumber)
    {
        var s = await MakeSentinelAsync();
        using var response = await Api.CompleteAsync(s.Key, s.UploadId, [(partNumber, s.Part1ETag)]);
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_with_a_wrong_etag_is_InvalidPart()
    {
        var s = await MakeSentinelAsync();
        using var response = await Api.CompleteAsync(s.Key, s.UploadId, [(1, "0123456789abcdef0123456789abcdef")]);
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidPart");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_with_a_part_never_uploaded_is_InvalidPart()
    {
        var s = await MakeSentinelAsync();
        using var response = await Api.CompleteAsync(s.Key, s.UploadId, [(1, s.Part1ETag), (2, "0123456789abcdef0123456789abcdef")]);
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidPart");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task Complete_with_a_small_first_part_is_EntityTooSmall()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var e1 = await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(MiB));
        var e2 = await Api.UploadPartOkAsync(key, uploadId, 2, RandomBytes(100));

        using var response = await Api.CompleteAsync(key, uploadId, [(1, e1), (2, e2)]);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "EntityTooSmall");
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Api.ListPartsAsync(key, uploadId))["parts"]!.AsArray().Should().HaveCount(2, "a refused complete keeps the upload");
    }

    [Fact]
    public async Task Complete_with_a_last_part_larger_than_the_others_is_InvalidPart()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var e1 = await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(5 * MiB));
        var e2 = await Api.UploadPartOkAsync(key, uploadId, 2, RandomBytes(5 * MiB + 1));

        using var response = await Api.CompleteAsync(key, uploadId, [(1, e1), (2, e2)]);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidPart");
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Part_with_a_wrong_Content_MD5_is_BadDigest_and_is_not_stored()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var data = RandomBytes(100);

        using var wrong = await Api.UploadPartAsync(key, uploadId, 1, data, System.Security.Cryptography.MD5.HashData(RandomBytes(100)));

        await wrong.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "BadDigest");
        (await Api.ListPartsAsync(key, uploadId))["parts"]!.AsArray().Should().BeEmpty();
        using var right = await Api.UploadPartAsync(key, uploadId, 1, data, System.Security.Cryptography.MD5.HashData(data));
        right.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Part_with_a_Content_MD5_that_is_not_an_MD5_is_400()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/{key}?action=mpu-uploadpart&uploadId={Uri.EscapeDataString(uploadId)}&partNumber=1")
        {
            Content = new ByteArrayContent(RandomBytes(10)),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-MD5", "not-base64!");

        using var response = await Http.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument");
    }

    [Fact]
    public async Task Complete_with_unequal_non_trailing_parts_is_400()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var e1 = await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(5 * MiB));
        var e2 = await Api.UploadPartOkAsync(key, uploadId, 2, RandomBytes(5 * MiB + 1));
        var e3 = await Api.UploadPartOkAsync(key, uploadId, 3, RandomBytes(10));

        using var response = await Api.CompleteAsync(key, uploadId, [(1, e1), (2, e2), (3, e3)]);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidPart", "same size");
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/ctl%01char?action=put")]
    [InlineData("/new%0Aline?action=put")]
    [InlineData("/bad-utf8-%FF?action=put")]
    [InlineData("/?action=put")]
    public async Task Puts_to_invalid_keys_are_400(string url)
    {
        var s = await MakeSentinelAsync();
        using var response = await Http.PutAsync(url, new ByteArrayContent(RandomBytes(10)));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument");
        await ShouldBeIntactAsync(s);
    }

    [Fact]
    public async Task A_NUL_in_the_path_is_refused_by_the_server_and_it_keeps_serving()
    {
        var s = await MakeSentinelAsync();
        using var response = await Http.PutAsync("/nul%00char?action=put", new ByteArrayContent(RandomBytes(10)));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, "Kestrel itself refuses a NUL in the path, before any handler");
        await ShouldBeIntactAsync(s);
    }

    [Theory]
    [InlineData("GET", "/some/key", "Missing action type")]
    [InlineData("GET", "/some/key?action=nope", "Unknown action nope for GET")]
    [InlineData("POST", "/some/key?action=get", "Unknown action get for POST")]
    [InlineData("PUT", "/some/key?action=mpu-create", "Unknown action mpu-create for PUT")]
    [InlineData("DELETE", "/some/key?action=", "Unknown action  for DELETE")]
    [InlineData("GET", "/healthz?action=bogus", "Unknown action bogus for GET")]
    public async Task Missing_or_unknown_actions_are_400_with_the_Workers_message(string method, string url, string detail)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, detailContains: detail);
    }

    [Fact]
    public async Task A_key_named_like_a_gateway_page_is_still_an_object()
    {
        var data = RandomBytes(20);
        await Api.PutOkAsync("healthz", data);
        (await Api.GetBytesAsync("healthz")).Should().Equal(data);
        (await Http.GetStringAsync("/healthz")).Should().Be("Healthy");
    }

    [Fact]
    public async Task Other_methods_are_405_with_Allow()
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/k?action=get"));
        await response.ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.Should().Contain(["GET", "HEAD", "PUT", "POST", "DELETE"]);
    }

    [Fact]
    public async Task Put_with_a_declared_length_over_5_GiB_is_413_before_any_byte_is_read()
    {
        using var request = await PartialRequest.StartAsync(Http, "PUT", Url(UniqueKey(), "put"), (5L << 30) + 1, 0);
        using var reader = new StreamReader(request.Stream);
        (await reader.ReadLineAsync()).Should().StartWith("HTTP/1.1 413");
    }

    private sealed record Sentinel(string Key, string UploadId, string Part1ETag, byte[] Data);
}
