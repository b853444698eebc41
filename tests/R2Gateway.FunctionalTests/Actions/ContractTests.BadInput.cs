using System.Net;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>Bad input that each store judges (unknown uploads, wrong etags, part sizes): the right 4xx as
/// problem+json, the server keeps serving, and nothing stored changes (a sentinel object and an upload
/// in progress are checked after each). Input refused before any store is asked: RequestValidationTests.</summary>
public abstract partial class ContractTests
{
    private Task<Sentinel> MakeSentinelAsync() => Sentinel.MakeAsync(Api);

    private Task ShouldBeIntactAsync(Sentinel s) => s.ShouldBeIntactAsync(Api);

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

    [Fact]
    public async Task A_key_named_like_a_gateway_page_is_still_an_object()
    {
        var data = RandomBytes(20);
        await Api.PutOkAsync("healthz", data);
        (await Api.GetBytesAsync("healthz")).Should().Equal(data);
        (await Http.GetStringAsync("/healthz")).Should().Be("Healthy");
    }
}

/// <summary>A stored object and an upload in progress, checked after a bad request: the server keeps
/// serving and nothing stored changed.</summary>
public sealed record Sentinel(string Key, string UploadId, string Part1ETag, byte[] Data)
{
    public static async Task<Sentinel> MakeAsync(GatewayApi api)
    {
        var key = UniqueKey("sentinel");
        var data = RandomBytes(6 * MiB);
        var uploadId = await api.CreateAsync(key);
        var etag = await api.UploadPartOkAsync(key, uploadId, 1, data[..(5 * MiB)]);
        await api.PutOkAsync(key + ".object", data);
        return new Sentinel(key, uploadId, etag, data);
    }

    public async Task ShouldBeIntactAsync(GatewayApi api)
    {
        (await api.Http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "the server keeps serving");
        (await api.GetBytesAsync(Key + ".object")).Should().Equal(Data, "a stored object is not touched by a bad request");
        var parts = (await api.ListPartsAsync(Key, UploadId))["parts"]!.AsArray();
        parts.Select(p => p!["etag"]!.GetValue<string>()).Should().Equal(Part1ETag);
        (await api.GetAsync(Key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
