using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using R2Gateway.Testing;
using R2Gateway.Security;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>s3-sign, the Worker API action that presigns the upload page's S3 requests for the
/// gateway's own S3 endpoint: what a token may have signed, and what a signed URL may do.</summary>
public sealed class S3SignTests : IDisposable
{
    private const string Signer = "r2gw_s3sign-signer-0123456789abcdefghijklmnop";
    private const string Writer = "r2gw_s3sign-writer-0123456789abcdefghijklmnop";
    private const string NoPresign = "r2gw_s3sign-nopresign-0123456789abcdefghijklm";
    private static readonly HttpClient Http = new();
    private readonly TempDir _root = new();
    // The gateway's clock, which signs and checks the URLs; at a whole second, as X-Amz-Date has no fraction.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly FileSystemGateway _gateway;

    public S3SignTests()
    {
        var settings = new Dictionary<string, string?>();
        AddToken(settings, 0, "signer", Signer, "up/", "Read", "Write", "Delete", "Presign");
        AddToken(settings, 1, "writer", Writer, "up/", "Write", "Presign");
        AddToken(settings, 2, "nopresign", NoPresign, "", "Read", "Write", "Delete");
        _gateway = FileSystemGateway.OnRoot(_root.Path, settings, s => s.AddSingleton<TimeProvider>(_clock));
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _root.Dispose();
    }

    private static void AddToken(Dictionary<string, string?> settings, int i, string name, string token, string prefix, params string[] rights)
    {
        settings[$"Auth:Tokens:{i}:Name"] = name;
        settings[$"Auth:Tokens:{i}:Hash"] = TokenHash.Of(token);
        settings[$"Auth:Tokens:{i}:Prefixes:0"] = prefix;
        for (var r = 0; r < rights.Length; r++)
        {
            settings[$"Auth:Tokens:{i}:Can:{r}"] = rights[r];
        }
    }

    private async Task<HttpResponseMessage> SignAsync(string token, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(key, "s3-sign")) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", token);
        return await _gateway.Client.SendAsync(request);
    }

    private async Task<string> SignedUrlAsync(string token, string key, object body)
    {
        using var response = await SignAsync(token, key, body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        answer["headers"]!.AsObject().Should().BeEmpty("the browser adds nothing the signature would cover");
        return answer["url"]!.GetValue<string>();
    }

    private static async Task ShouldBeRefusedAsync(HttpResponseMessage response, string code)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var error = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        error.Element("Code")!.Value.Should().Be(code);
    }

    [Theory]
    [InlineData(NoPresign, "up/a.bin", "PUT", null, "a token without presign")]
    [InlineData(Signer, "elsewhere/a.bin", "PUT", null, "a key outside the token's prefix")]
    [InlineData(Writer, "up/a.bin", "DELETE", "some-upload", "an abort from a token without delete")]
    [InlineData(Writer, "up/a.bin", "GET", "some-upload", "a list of parts from a token without read")]
    public async Task S3_sign_refuses_what_the_token_could_not_do_itself(string token, string key, string method, string? uploadId, string because)
    {
        using var response = await SignAsync(token, key, new { method, uploadId });
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, because);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().Should().Be("AccessDenied");
    }

    [Theory]
    [InlineData("PATCH", null, null, null)]
    [InlineData("PUT", null, 3, null)] // a part without an upload
    [InlineData("PUT", "u", 0, null)]
    [InlineData("PUT", "u", 10001, null)]
    [InlineData("PUT", null, null, 7200)] // longer than an hour
    [InlineData("PUT", null, null, 0)]
    public async Task S3_sign_answers_bad_input_with_400(string method, string? uploadId, int? partNumber, int? expiresIn)
    {
        using var response = await SignAsync(Signer, "up/a.bin", new { method, uploadId, partNumber, expiresIn });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task Signed_urls_run_a_multipart_upload_on_the_S3_endpoint_and_each_serves_only_its_key_and_request()
    {
        const string key = "up/page upload+1.bin";
        var data = RandomNumberGenerator.GetBytes(300_000);

        var createUrl = await SignedUrlAsync(Signer, key, new { method = "POST" });
        new Uri(createUrl).Port.Should().NotBe(_gateway.BaseAddress.Port, "it is the S3 endpoint's URL");
        using var created = await Http.PostAsync(createUrl, null);
        created.StatusCode.Should().Be(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var uploadId = XDocument.Parse(await created.Content.ReadAsStringAsync()).Root!.Elements().Single(e => e.Name.LocalName == "UploadId").Value;

        var partUrl = await SignedUrlAsync(Signer, key, new { method = "PUT", uploadId, partNumber = 1 });
        // The same URL for another key, another part, or another operation fails its signature.
        using (var otherKey = await Http.PutAsync(partUrl.Replace("page%20upload%2B1.bin", "page%20upload%2B2.bin", StringComparison.Ordinal), new ByteArrayContent(data)))
        {
            partUrl.Should().Contain("page%20upload%2B1.bin");
            await ShouldBeRefusedAsync(otherKey, "SignatureDoesNotMatch");
        }

        using (var otherPart = await Http.PutAsync(partUrl.Replace("partNumber=1", "partNumber=2", StringComparison.Ordinal), new ByteArrayContent(data)))
        {
            await ShouldBeRefusedAsync(otherPart, "SignatureDoesNotMatch");
        }

        using (var asDelete = await Http.DeleteAsync(partUrl))
        {
            await ShouldBeRefusedAsync(asDelete, "SignatureDoesNotMatch");
        }

        using var part = await Http.PutAsync(partUrl, new ByteArrayContent(data));
        part.StatusCode.Should().Be(HttpStatusCode.OK);
        var etag = part.Headers.ETag!.Tag;

        var listUrl = await SignedUrlAsync(Signer, key, new { method = "GET", uploadId });
        var listed = XDocument.Parse(await Http.GetStringAsync(listUrl));
        listed.Descendants().Where(e => e.Name.LocalName == "PartNumber").Select(e => e.Value).Should().Equal("1");

        var completeUrl = await SignedUrlAsync(Signer, key, new { method = "POST", uploadId });
        // What Uppy 6 sends: the ETag without its quotes.
        var xml = $"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag.Trim('"')}</ETag></Part></CompleteMultipartUpload>";
        using var completed = await Http.PostAsync(completeUrl, new StringContent(xml, System.Text.Encoding.UTF8, "application/xml"));
        completed.StatusCode.Should().Be(HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
        var result = XDocument.Parse(await completed.Content.ReadAsStringAsync()).Root!;
        result.Elements().Select(e => e.Name.LocalName).Should().Contain(["Location", "Key"], "Uppy 6 needs both");

        using var get = new HttpRequestMessage(HttpMethod.Get, Url(key, "get"));
        get.Headers.Authorization = new("Bearer", Signer);
        using var stored = await _gateway.Client.SendAsync(get);
        (await stored.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task A_signed_put_cannot_become_a_copy_of_another_object()
    {
        using (var secret = new HttpRequestMessage(HttpMethod.Put, Url("private/secret.txt", "put")) { Content = new StringContent("secret") })
        {
            secret.Headers.Authorization = new("Bearer", NoPresign);
            (await _gateway.Client.SendAsync(secret)).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var putUrl = await SignedUrlAsync(Signer, "up/copy.txt", new { method = "PUT" });
        using var copy = new HttpRequestMessage(HttpMethod.Put, putUrl);
        copy.Headers.Add("x-amz-copy-source", "/r2gateway/private/secret.txt");
        using var response = await Http.SendAsync(copy);

        await ShouldBeRefusedAsync(response, "AccessDenied");
        (await _gateway.Client.GetAsync(Url("up/copy.txt", "get"))).StatusCode.Should().NotBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_signed_url_works_until_its_X_Amz_Expires_and_is_refused_a_second_later()
    {
        var url = await SignedUrlAsync(Signer, "up/late.bin", new { method = "PUT", expiresIn = 60 });
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(url).Query);
        query["X-Amz-Expires"].Should().Be("60");
        query["X-Amz-Date"].Should().Be(_clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture), "signed by the gateway's clock");

        _clock.Advance(TimeSpan.FromSeconds(60));
        using (var last = await Http.PutAsync(url, new ByteArrayContent([1, 2, 3])))
        {
            last.StatusCode.Should().Be(HttpStatusCode.OK, "its 60th second is still within X-Amz-Expires");
        }

        _clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await Http.PutAsync(url, new ByteArrayContent([4, 5, 6]));

        await ShouldBeRefusedAsync(response, "AccessDenied");
        (await response.Content.ReadAsStringAsync()).Should().Contain("expired");
        using var get = new HttpRequestMessage(HttpMethod.Get, Url("up/late.bin", "get"));
        get.Headers.Authorization = new("Bearer", Signer);
        using var stored = await _gateway.Client.SendAsync(get);
        (await stored.Content.ReadAsByteArrayAsync()).Should().Equal([1, 2, 3], "the late request stored nothing");
    }

    [Fact]
    public async Task A_signed_url_stops_working_when_its_token_is_removed()
    {
        // Two gateways in turn on one root (one signing key) and one S3 port (the URL signs its host).
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var root = new TempDir();
        var settings = new Dictionary<string, string?> { ["S3Api:Urls"] = $"http://127.0.0.1:{port}" };
        AddToken(settings, 0, "signer", Signer, "up/", "Read", "Write", "Delete", "Presign");
        AddToken(settings, 1, "writer", Writer, "up/", "Write", "Presign");
        string url;
        using (var before = FileSystemGateway.OnRoot(root.Path, settings))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url("up/revoked.bin", "s3-sign")) { Content = JsonContent.Create(new { method = "PUT" }) };
            request.Headers.Authorization = new("Bearer", Writer);
            using var signed = await before.Client.SendAsync(request);
            url = (await signed.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>();
        }

        settings.Remove("Auth:Tokens:1:Name");
        settings.Remove("Auth:Tokens:1:Hash");
        settings.Remove("Auth:Tokens:1:Prefixes:0");
        settings.Remove("Auth:Tokens:1:Can:0");
        settings.Remove("Auth:Tokens:1:Can:1");
        using (var kept = FileSystemGateway.OnRoot(root.Path, settings.Where(s => !s.Key.StartsWith("Auth:Tokens:0", StringComparison.Ordinal))
            .Concat(settings.Where(s => s.Key.StartsWith("Auth:Tokens:0", StringComparison.Ordinal)))
            .Concat([KeyValuePair.Create("Auth:Tokens:1:Name", (string?)"writer"), KeyValuePair.Create("Auth:Tokens:1:Hash", (string?)TokenHash.Of(Writer)),
                KeyValuePair.Create("Auth:Tokens:1:Prefixes:0", (string?)"up/"), KeyValuePair.Create("Auth:Tokens:1:Can:0", (string?)"Write")]).ToDictionary()))
        {
            // Control: with the token still there (even without presign now) the same URL works.
            using var works = await Http.PutAsync(url, new ByteArrayContent([1]));
            works.StatusCode.Should().Be(HttpStatusCode.OK, await works.Content.ReadAsStringAsync());
        }

        using var after = FileSystemGateway.OnRoot(root.Path, settings);
        using var response = await Http.PutAsync(url, new ByteArrayContent([1]));

        await ShouldBeRefusedAsync(response, "InvalidAccessKeyId");
    }
}
