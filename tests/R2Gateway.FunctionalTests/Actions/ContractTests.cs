using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>
/// The HTTP contract, written once against the HTTP surface only. Each store runs it through a
/// subclass that supplies a gateway backed by that store, so "works on disk" and "works on R2" are
/// the same claim checked twice.
/// </summary>
public abstract partial class ContractTests(IGatewayFixture gateway)
{
    protected GatewayApi Api { get; } = new(gateway.Client);

    protected HttpClient Http => gateway.Client;

    [Fact]
    public async Task Multipart_upload_round_trips_with_the_multipart_etag()
    {
        var key = UniqueKey();
        var part1 = RandomBytes(5 * MiB);
        var part2 = RandomBytes(1234);
        var uploadId = await Api.CreateAsync(key);
        var etag2 = await Api.UploadPartOkAsync(key, uploadId, 2, part2); // parts may arrive in any order
        var etag1 = await Api.UploadPartOkAsync(key, uploadId, 1, part1);
        etag1.Should().Be(Md5Hex(part1));

        using var complete = await Api.CompleteAsync(key, uploadId, [(2, etag2), (1, $"\"{etag1}\"")]);

        complete.StatusCode.Should().Be(HttpStatusCode.OK, await complete.Content.ReadAsStringAsync());
        var expected = R2Gateway.Storage.Etags.Multipart([etag1, etag2]);
        complete.Headers.ETag!.Tag.Should().Be($"\"{expected}\"");
        var body = await complete.Content.ReadFromJsonAsync<JsonObject>();
        body!["key"]!.GetValue<string>().Should().Be(key);
        body["size"]!.GetValue<long>().Should().Be(part1.Length + part2.Length);
        body["etag"]!.GetValue<string>().Should().Be(expected);

        using var get = await Api.GetAsync(key);
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        get.Headers.ETag!.Tag.Should().Be($"\"{expected}\"");
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal([.. part1, .. part2]);
    }

    [Fact]
    public async Task Completed_upload_is_gone_afterwards()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(100));
        (await Api.CompleteAsync(key, uploadId, [(1, etag)])).StatusCode.Should().Be(HttpStatusCode.OK);

        await (await Api.UploadPartAsync(key, uploadId, 2, RandomBytes(10))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        await (await Api.CompleteAsync(key, uploadId, [(1, etag)])).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
    }

    [Fact]
    public async Task Metadata_headers_sent_on_create_come_back_on_get()
    {
        var key = UniqueKey("page.html");
        var uploadId = await Api.CreateAsync(key, r =>
        {
            r.Content = new ByteArrayContent([]);
            r.Content.Headers.ContentType = new MediaTypeHeaderValue("text/html");
            r.Content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = "page.html" };
            r.Content.Headers.ContentLanguage.Add("en");
            r.Headers.CacheControl = new CacheControlHeaderValue { MaxAge = TimeSpan.FromSeconds(60) };
        });
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, "<p>hi</p>"u8.ToArray());
        (await Api.CompleteAsync(key, uploadId, [(1, etag)])).StatusCode.Should().Be(HttpStatusCode.OK);

        using var get = await Api.GetAsync(key);

        get.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        get.Content.Headers.ContentDisposition!.FileName.Should().Be("page.html");
        get.Content.Headers.ContentLanguage.Should().Equal("en");
        get.Headers.CacheControl!.MaxAge.Should().Be(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Put_then_get_returns_the_bytes_with_md5_etag_and_content_type()
    {
        var key = UniqueKey("a.json");
        var data = RandomBytes(300_000);
        using var put = await Api.PutAsync(key, data, r => r.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/json"));
        put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var body = await put.Content.ReadFromJsonAsync<JsonObject>();
        body!["etag"]!.GetValue<string>().Should().Be(Md5Hex(data));
        body["size"]!.GetValue<long>().Should().Be(data.Length);

        using var get = await Api.GetAsync(key);
        get.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        get.Content.Headers.ContentLength.Should().Be(data.Length);
        get.Headers.AcceptRanges.Should().Contain("bytes");
        get.Content.Headers.LastModified.Should().NotBeNull();
        get.Headers.ETag!.Tag.Should().Be($"\"{Md5Hex(data)}\"");
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task Put_of_an_empty_body_stores_an_empty_object()
    {
        var key = UniqueKey();
        await Api.PutOkAsync(key, []);
        (await Api.GetBytesAsync(key)).Should().BeEmpty();
    }

    [Fact]
    public async Task Head_returns_the_headers_of_get_without_a_body()
    {
        var key = UniqueKey();
        var data = RandomBytes(4096);
        await Api.PutOkAsync(key, data);

        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(key, "get")));

        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.Should().Be(data.Length);
        head.Headers.ETag!.Tag.Should().Be($"\"{Md5Hex(data)}\"");
        (await head.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_404_Object_Not_Found()
    {
        using var get = await Api.GetAsync(UniqueKey());
        await get.ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchKey", "Object Not Found");
    }

    [Theory]
    [InlineData("bytes=0-9", 0, 10)]
    [InlineData("bytes=100-", 100, 900)]
    [InlineData("bytes=-50", 950, 50)]
    public async Task Range_returns_206_with_exactly_those_bytes(string range, int offset, int length)
    {
        var key = UniqueKey();
        var data = RandomBytes(1000);
        await Api.PutOkAsync(key, data);

        using var get = await Api.GetAsync(key, r => r.Headers.Add("Range", range));

        get.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        get.Content.Headers.ContentRange!.ToString().Should().Be($"bytes {offset}-{offset + length - 1}/1000");
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(data[offset..(offset + length)]);
    }

    [Fact]
    public async Task Unsatisfiable_range_is_416()
    {
        var key = UniqueKey();
        await Api.PutOkAsync(key, RandomBytes(100));
        using var get = await Api.GetAsync(key, r => r.Headers.Add("Range", "bytes=500-600"));
        await get.ShouldBeProblemAsync(HttpStatusCode.RequestedRangeNotSatisfiable, "InvalidRange");
        get.Content.Headers.ContentRange!.ToString().Should().Be("bytes */100");
    }

    [Fact]
    public async Task Conditional_get_answers_304_and_412()
    {
        var key = UniqueKey();
        var data = RandomBytes(100);
        await Api.PutOkAsync(key, data);
        var etag = $"\"{Md5Hex(data)}\"";

        (await Api.GetAsync(key, r => r.Headers.Add("If-None-Match", etag))).StatusCode.Should().Be(HttpStatusCode.NotModified);
        (await Api.GetAsync(key, r => r.Headers.Add("If-None-Match", "\"other\""))).StatusCode.Should().Be(HttpStatusCode.OK);
        var lastModified = (await Api.GetAsync(key)).Content.Headers.LastModified;
        (await Api.GetAsync(key, r => r.Headers.IfModifiedSince = lastModified)).StatusCode.Should().Be(HttpStatusCode.NotModified);
        (await Api.GetAsync(key, r => r.Headers.IfModifiedSince = lastModified!.Value.AddDays(-1))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetAsync(key, r => r.Headers.Add("If-Match", etag))).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await Api.GetAsync(key, r => r.Headers.Add("If-Match", "\"other\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed");
        await (await Api.GetAsync(key, r => r.Headers.IfUnmodifiedSince = DateTimeOffset.UtcNow.AddDays(-1))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Put_with_If_None_Match_star_on_an_existing_key_is_412_and_keeps_the_object()
    {
        var key = UniqueKey();
        var original = RandomBytes(100);
        using (var first = await Api.PutAsync(key, original, r => r.Headers.Add("If-None-Match", "*")))
        {
            first.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var second = await Api.PutAsync(key, RandomBytes(100), r => r.Headers.Add("If-None-Match", "*"));

        await second.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed");
        (await Api.GetBytesAsync(key)).Should().Equal(original);
    }

    [Fact]
    public async Task Put_with_If_Match_writes_only_over_that_etag()
    {
        var key = UniqueKey();
        var v1 = RandomBytes(100);
        await Api.PutOkAsync(key, v1);
        var v2 = RandomBytes(100);

        await (await Api.PutAsync(key, v2, r => r.Headers.Add("If-Match", "\"0123456789abcdef0123456789abcdef\"")))
            .ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "PreconditionFailed");
        (await Api.GetBytesAsync(key)).Should().Equal(v1);

        (await Api.PutAsync(key, v2, r => r.Headers.Add("If-Match", $"\"{Md5Hex(v1)}\""))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(key)).Should().Equal(v2);
        await (await Api.PutAsync(UniqueKey(), v2, r => r.Headers.Add("If-Match", "*"))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Put_with_a_wrong_Content_MD5_is_BadDigest_and_writes_nothing()
    {
        var key = UniqueKey();
        var original = RandomBytes(64);
        await Api.PutOkAsync(key, original);

        using var put = await Api.PutAsync(key, RandomBytes(64), r => r.Content!.Headers.ContentMD5 = System.Security.Cryptography.MD5.HashData(original));

        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "BadDigest");
        (await Api.GetBytesAsync(key)).Should().Equal(original);
    }

    [Fact]
    public async Task Put_with_the_right_Content_MD5_is_stored()
    {
        var key = UniqueKey();
        var data = RandomBytes(64);
        using var put = await Api.PutAsync(key, data, r => r.Content!.Headers.ContentMD5 = System.Security.Cryptography.MD5.HashData(data));
        put.StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(key)).Should().Equal(data);
    }

    [Fact]
    public async Task Delete_is_204_whether_or_not_the_object_exists()
    {
        var key = UniqueKey();
        await Api.PutOkAsync(key, RandomBytes(10));

        (await Http.DeleteAsync(Url(key, "delete"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Http.DeleteAsync(Url(key, "delete"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Abort_drops_the_upload_and_its_parts()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(100));

        (await Http.DeleteAsync(Url(key, "mpu-abort", $"uploadId={uploadId}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await Http.DeleteAsync(Url(key, "mpu-abort", $"uploadId={uploadId}"))).StatusCode.Should().Be(HttpStatusCode.NoContent, "abort is idempotent, as on R2");

        await (await Api.UploadPartAsync(key, uploadId, 2, RandomBytes(10))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        await (await Api.CompleteAsync(key, uploadId, [(1, etag)])).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        await (await Http.GetAsync(Url(key, "mpu-listparts", $"uploadId={uploadId}"))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        (await Api.GetAsync(key)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Abort_after_complete_is_204_and_the_object_stays_while_a_second_complete_is_404()
    {
        var key = UniqueKey();
        var data = RandomBytes(100);
        var uploadId = await Api.CreateAsync(key);
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, data);
        using var complete = await Api.CompleteAsync(key, uploadId, [(1, etag)]);
        complete.StatusCode.Should().Be(HttpStatusCode.OK);

        (await Http.DeleteAsync(Url(key, "mpu-abort", $"uploadId={uploadId}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await Api.CompleteAsync(key, uploadId, [(1, etag)])).ShouldBeProblemAsync(HttpStatusCode.NotFound, "NoSuchUpload");
        (await Api.GetBytesAsync(key)).Should().Equal(data);
    }

    [Fact]
    public async Task Abort_of_an_uploadId_never_issued_is_204()
    {
        (await Http.DeleteAsync(Url(UniqueKey(), "mpu-abort", "uploadId=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Uploading_a_part_number_again_replaces_it()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(100));
        var second = RandomBytes(200);
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, second);

        var parts = (await Api.ListPartsAsync(key, uploadId))["parts"]!.AsArray();
        parts.Should().ContainSingle();
        parts[0]!["etag"]!.GetValue<string>().Should().Be(etag);
        parts[0]!["size"]!.GetValue<long>().Should().Be(200);

        (await Api.CompleteAsync(key, uploadId, [(1, etag)])).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(key)).Should().Equal(second);
    }

    [Fact]
    public async Task Listparts_pages_through_the_uploaded_parts()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);
        var etags = new Dictionary<int, string>();
        foreach (var n in new[] { 3, 1, 2 })
        {
            etags[n] = await Api.UploadPartOkAsync(key, uploadId, n, RandomBytes(10 * n));
        }

        var page1 = await Api.ListPartsAsync(key, uploadId, "maxParts=2");
        page1["parts"]!.AsArray().Select(p => p!["partNumber"]!.GetValue<int>()).Should().Equal(1, 2);
        page1["truncated"]!.GetValue<bool>().Should().BeTrue();
        var marker = page1["nextPartNumberMarker"]!.GetValue<int>();

        var page2 = await Api.ListPartsAsync(key, uploadId, $"maxParts=2&partNumberMarker={marker}");
        var last = page2["parts"]!.AsArray().Should().ContainSingle().Subject!;
        last["partNumber"]!.GetValue<int>().Should().Be(3);
        last["etag"]!.GetValue<string>().Should().Be(etags[3]);
        last["size"]!.GetValue<long>().Should().Be(30);
        page2["truncated"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task List_filters_by_prefix_groups_by_delimiter_and_pages_with_a_cursor()
    {
        var root = $"list-{Guid.NewGuid():N}/";
        foreach (var name in new[] { "a.txt", "b.txt", "dir/x", "dir/y", "z.txt" })
        {
            await Api.PutOkAsync(root + name, RandomBytes(5));
        }

        var grouped = await Api.ListAsync($"prefix={Uri.EscapeDataString(root)}&delimiter=/");
        grouped["objects"]!.AsArray().Select(o => o!["key"]!.GetValue<string>()).Should().Equal(root + "a.txt", root + "b.txt", root + "z.txt");
        grouped["delimitedPrefixes"]!.AsArray().Select(p => p!.GetValue<string>()).Should().Equal(root + "dir/");

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Api.ListAsync($"prefix={Uri.EscapeDataString(root)}&limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            var keys = page["objects"]!.AsArray().Select(o => o!["key"]!.GetValue<string>()).ToList();
            keys.Count.Should().BeLessThanOrEqualTo(2);
            seen.AddRange(keys);
            cursor = page["truncated"]!.GetValue<bool>() ? page["cursor"]!.GetValue<string>() : null;
        }
        while (cursor is not null);

        seen.Should().Equal(new[] { "a.txt", "b.txt", "dir/x", "dir/y", "z.txt" }.Select(n => root + n));
    }

    [Fact]
    public async Task Chunked_bodies_without_Content_Length_work_for_parts_and_puts()
    {
        var key = UniqueKey();
        var data = RandomBytes(6 * MiB);
        var uploadId = await Api.CreateAsync(key);
        using var part = await Http.PutAsync(Url(key, "mpu-uploadpart", $"uploadId={uploadId}&partNumber=1"), new ChunkedContent(data));
        part.StatusCode.Should().Be(HttpStatusCode.OK, await part.Content.ReadAsStringAsync());
        var etag = (await part.Content.ReadFromJsonAsync<JsonObject>())!["etag"]!.GetValue<string>();
        etag.Should().Be(Md5Hex(data));
        (await Api.CompleteAsync(key, uploadId, [(1, etag)])).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(key)).Should().Equal(data);

        var putKey = UniqueKey();
        using var put = await Http.PutAsync(Url(putKey, "put"), new ChunkedContent(data));
        put.StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(putKey)).Should().Equal(data);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("..\\..\\windows\\win.ini")]
    [InlineData("./.")]
    [InlineData("sp ace/ü/日本語/🎉.txt")]
    [InlineData("a%2Fb literally")]
    [InlineData("trailing/")]
    public async Task Unusual_keys_round_trip_as_exact_strings(string key)
    {
        var data = RandomBytes(50);
        using var put = await Http.PutAsync(PathOf(key, encodeSlashes: true) + "?action=put", new ByteArrayContent(data));
        put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        (await put.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>().Should().Be(key);

        using var get = await Http.GetAsync(PathOf(key, encodeSlashes: true) + "?action=get");
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        var listed = await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}");
        listed["objects"]!.AsArray().Select(o => o!["key"]!.GetValue<string>()).Should().Contain(key);
    }

    [Fact]
    public async Task A_key_of_1024_bytes_works_and_1025_is_refused()
    {
        var longest = "k/" + new string('x', 1022);
        await Api.PutOkAsync(longest, RandomBytes(5));
        (await Api.GetBytesAsync(longest)).Should().HaveCount(5);

        await (await Api.PutAsync(longest + "y", RandomBytes(5))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "KeyTooLongError");
        await (await Http.PostAsync(Url(new string('€', 342), "mpu-create"), null)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "KeyTooLongError");
    }
}

/// <summary>A body sent with Transfer-Encoding: chunked, as a client streaming a body of unknown length would.</summary>
internal sealed class ChunkedContent(byte[] data) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        for (var offset = 0; offset < data.Length; offset += 100_000)
        {
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)));
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
