using System.Net;
using System.Text;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>Bad input the gateway refuses before any store is asked (the request line, the query, the
/// headers, the body's shape and size): the right 4xx as problem+json, the server keeps serving, and
/// nothing stored changes. Being the same whatever the store, these run once, on the filesystem store,
/// not once per store as the contract suite does; bad input a store judges is in ContractTests.</summary>
public sealed class RequestValidationTests(FileSystemGateway gateway) : IClassFixture<FileSystemGateway>
{
    private GatewayApi Api { get; } = new(gateway.Client);

    private HttpClient Http => gateway.Client;

    private Task<Sentinel> MakeSentinelAsync() => Sentinel.MakeAsync(Api);

    private Task ShouldBeIntactAsync(Sentinel s) => s.ShouldBeIntactAsync(Api);

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
        using var response = await PartialRequest.SendChunkedAsync(gateway.BaseAddress, HttpMethod.Post, Url(s.Key, "mpu-complete", $"uploadId={s.UploadId}"), junk, "application/json");
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "EntityTooLarge");
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
    public async Task Other_methods_are_405_with_Allow()
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/k?action=get"));
        await response.ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
        response.Content.Headers.Allow.Should().Contain(["GET", "HEAD", "PUT", "POST", "DELETE"]);
    }


    [Fact]
    public async Task Put_with_a_declared_length_over_5_GiB_is_413_before_any_byte_is_read()
    {
        using var request = await PartialRequest.StartAsync(Http, "PUT", Url(UniqueKey(), "put"), (5L << 30) + 1, 0);
        using var reader = new StreamReader(request.Stream);
        (await reader.ReadLineAsync()).Should().StartWith("HTTP/1.1 413");
    }
}
