using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Storage;

/// <summary>The S3 store against a real S3 server, checked from outside the gateway with boto3 and
/// the aws CLI: what the gateway writes is really in the bucket, and the other way round.</summary>
[Trait("Needs", "S3")]
[Trait("Needs", "Clients")]
public sealed class S3StoreTests(S3Gateway gateway) : IClassFixture<S3Gateway>
{
    private readonly GatewayApi _api = new(gateway.Client);

    private async Task<JsonObject> ReadDirectlyAsync(string key)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync("python3",
            [Path.Combine(AppContext.BaseDirectory, "Storage", "s3_direct.py"), "get", gateway.Server.Endpoint.ToString(), gateway.Bucket, key],
            environment: gateway.Server.AwsEnvironment);
        exitCode.Should().Be(0, output);
        return JsonNode.Parse(output)!.AsObject();
    }

    [Fact]
    public async Task A_put_through_the_gateway_is_in_the_bucket_with_its_bytes_type_and_etag()
    {
        var key = UniqueKey("doc.txt");
        var data = RandomBytes(200_000);
        using var put = await _api.PutAsync(key, data, r => r.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain"));
        put.StatusCode.Should().Be(HttpStatusCode.OK);

        var direct = await ReadDirectlyAsync(key);

        direct["md5"]!.GetValue<string>().Should().Be(Md5Hex(data));
        direct["size"]!.GetValue<long>().Should().Be(data.Length);
        direct["contentType"]!.GetValue<string>().Should().Be("text/plain");
        direct["etag"]!.GetValue<string>().Should().Be($"\"{Md5Hex(data)}\"");
    }

    [Fact]
    public async Task Custom_metadata_put_through_the_gateway_is_in_the_bucket_as_x_amz_meta()
    {
        var key = UniqueKey();
        const string title = "Zoë — 日本語";
        using var put = await _api.PutAsync(key, RandomBytes(10), r =>
        {
            r.Headers.Add("X-Amz-Meta-Owner", "alice");
            r.Headers.Add("x-amz-meta-title", $"=?UTF-8?B?{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(title))}?=");
        });
        put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());

        var direct = await ReadDirectlyAsync(key);

        direct["metadata"]!["owner"]!.GetValue<string>().Should().Be("alice");
        direct["metadataDecoded"]!["title"]!.GetValue<string>().Should().Be(title);
    }

    [Fact]
    public async Task Custom_metadata_written_by_boto3_comes_back_through_the_gateway()
    {
        var key = UniqueKey();
        var (exitCode, output) = await ProcessRunner.RunAsync("python3",
            [Path.Combine(AppContext.BaseDirectory, "Storage", "s3_direct.py"), "put", gateway.Server.Endpoint.ToString(), gateway.Bucket, key,
                """{"camera": "7", "place": "=?UTF-8?B?TcO8bmNoZW4=?="}"""],
            environment: gateway.Server.AwsEnvironment);
        exitCode.Should().Be(0, output);

        using var get = await _api.GetAsync(key);
        get.Headers.GetValues("x-amz-meta-camera").Should().Equal("7");
        var list = await _api.ListAsync($"prefix={Uri.EscapeDataString(key)}&include=customMetadata");
        list["objects"]![0]!["customMetadata"]!["place"]!.GetValue<string>().Should().Be("München");
    }

    [Fact]
    public async Task A_multipart_upload_through_the_gateway_is_in_the_bucket_with_the_multipart_etag()
    {
        var key = UniqueKey("video.mp4");
        var data = RandomBytes(11 * MiB);
        var uploadId = await _api.CreateAsync(key, r =>
        {
            r.Content = new ByteArrayContent([]);
            r.Content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        });
        var e1 = await _api.UploadPartOkAsync(key, uploadId, 1, data[..(5 * MiB)]);
        var e2 = await _api.UploadPartOkAsync(key, uploadId, 2, data[(5 * MiB)..(10 * MiB)]);
        var e3 = await _api.UploadPartOkAsync(key, uploadId, 3, data[(10 * MiB)..]);
        using var complete = await _api.CompleteAsync(key, uploadId, [(1, e1), (2, e2), (3, e3)]);
        complete.StatusCode.Should().Be(HttpStatusCode.OK);
        var expected = R2Gateway.Storage.Etags.Multipart([e1, e2, e3]);
        complete.Headers.ETag!.Tag.Should().Be($"\"{expected}\"");

        var direct = await ReadDirectlyAsync(key);

        direct["md5"]!.GetValue<string>().Should().Be(Md5Hex(data));
        direct["contentType"]!.GetValue<string>().Should().Be("video/mp4");
        direct["etag"]!.GetValue<string>().Should().Be($"\"{expected}\"");
    }

    [Fact]
    public async Task An_object_written_with_the_aws_cli_is_served_by_the_gateway()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "from-cli.json");
        var data = RandomBytes(70_000);
        await File.WriteAllBytesAsync(file, data);
        var key = UniqueKey("from-cli.json");

        var (exitCode, output) = await ProcessRunner.RunAsync("aws",
            ["--endpoint-url", gateway.Server.Endpoint.ToString(), "s3", "cp", file, $"s3://{gateway.Bucket}/{key}", "--content-type", "application/json"],
            environment: gateway.Server.AwsEnvironment);
        exitCode.Should().Be(0, output);

        using var get = await _api.GetAsync(key);
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        get.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        get.Headers.ETag!.Tag.Should().Be($"\"{Md5Hex(data)}\"");
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        (await _api.ListAsync($"prefix={Uri.EscapeDataString(key)}"))["objects"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task Two_gateways_on_one_bucket_serve_one_upload()
    {
        using var second = GatewayFactory.Start(gateway.Server.GatewaySettings(gateway.Bucket));
        var other = new GatewayApi(second.CreateClient());
        var key = UniqueKey();
        var part1 = RandomBytes(5 * MiB);
        var part2 = RandomBytes(1000);

        var uploadId = await _api.CreateAsync(key);
        var e1 = await _api.UploadPartOkAsync(key, uploadId, 1, part1);
        var e2 = await other.UploadPartOkAsync(key, uploadId, 2, part2);
        using var complete = await other.CompleteAsync(key, uploadId, [(1, e1), (2, e2)]);

        complete.StatusCode.Should().Be(HttpStatusCode.OK);
        (await _api.GetBytesAsync(key)).Should().Equal([.. part1, .. part2]);
    }

    [Fact]
    public async Task Wrong_credentials_are_a_502_that_names_the_settings_and_never_the_secret()
    {
        var settings = gateway.Server.GatewaySettings(gateway.Bucket);
        settings["Storage:S3:SecretAccessKey"] = "not-the-secret-4f1c";
        using var wrong = GatewayFactory.Start(settings);
        using var client = wrong.CreateClient();

        using var put = await client.PutAsync(Url(UniqueKey(), "put"), new ByteArrayContent([1, 2, 3]));

        var problem = await put.ShouldBeProblemAsync(HttpStatusCode.BadGateway, "BadGateway", "Storage:S3:SecretAccessKey");
        problem.ToJsonString().Should().NotContain("not-the-secret-4f1c").And.NotContain(S3TestServer.SecretKey);
        (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task A_missing_bucket_is_a_502_that_names_Storage_S3_Bucket()
    {
        using var missing = GatewayFactory.Start(gateway.Server.GatewaySettings("no-such-bucket"));
        using var client = missing.CreateClient();

        using var put = await client.PutAsync(Url(UniqueKey(), "put"), new ByteArrayContent([1]));

        await put.ShouldBeProblemAsync(HttpStatusCode.BadGateway, "BadGateway", "Storage:S3:Bucket");
        (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Readyz_is_healthy_when_the_bucket_answers()
    {
        (await gateway.Client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/leading-slash")]
    [InlineData("a///b")]
    public async Task Keys_the_S3_SDK_would_rewrite_are_refused_not_mangled(string key)
    {
        using var put = await gateway.Client.PutAsync(PathOf(key, encodeSlashes: true) + "?action=put", new ByteArrayContent([1]));
        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "'//'");
    }

    [Fact]
    public async Task Lifecycle_apply_puts_a_rule_that_aborts_uploads_after_7_days()
    {
        var settings = gateway.Server.GatewaySettings(gateway.Bucket).Select(s => $"--{s.Key}={s.Value}");
        var (exitCode, output) = await ProcessRunner.RunAsync("dotnet", [typeof(Program).Assembly.Location, "lifecycle", "apply", .. settings]);
        exitCode.Should().Be(0, output);
        output.Should().Contain("7 days");

        var (readExit, rules) = await ProcessRunner.RunAsync("python3",
            [Path.Combine(AppContext.BaseDirectory, "Storage", "s3_direct.py"), "lifecycle", gateway.Server.Endpoint.ToString(), gateway.Bucket],
            environment: gateway.Server.AwsEnvironment);
        readExit.Should().Be(0, rules);
        var rule = JsonNode.Parse(rules)!.AsArray().Single(r => r!["ID"]!.GetValue<string>() == "r2gateway-abort-incomplete-uploads")!;
        rule["Status"]!.GetValue<string>().Should().Be("Enabled");
        rule["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!.GetValue<int>().Should().Be(7);
    }

    [Fact]
    public async Task A_missing_endpoint_stops_start_up_with_the_key_to_set()
    {
        using var root = new TempDir();
        var dll = typeof(Program).Assembly.Location;
        var (exit, output) = await ProcessRunner.RunAsync("dotnet",
            [dll, "--Urls=http://127.0.0.1:0", "--S3Api:Urls=http://127.0.0.1:0", $"--Storage:FileSystem:Root={root.Path}",
             "--Storage:Provider=S3", "--Storage:S3:Bucket=b"],
            Path.GetDirectoryName(dll), new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        exit.Should().Be(1, output);
        output.Should().Contain("r2gateway: ").And.Contain("Storage:S3:AccountId").And.Contain("Storage:S3:ServiceUrl").And.NotContain("Now listening");
    }
}

/// <summary>The S3 server goes away mid-test and comes back: clear 503s meanwhile, then recovery.</summary>
[Trait("Needs", "S3")]
public sealed class S3OutageTests : IDisposable
{
    private readonly S3TestServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_stopped_S3_server_gives_clear_503s_and_the_gateway_recovers_when_it_returns()
    {
        _server.CreateBucket("outage");
        using var factory = GatewayFactory.Start(_server.GatewaySettings("outage"));
        var api = new GatewayApi(factory.CreateClient());
        await api.PutOkAsync("before", RandomBytes(10));

        _server.Stop();

        await (await api.PutAsync("during", RandomBytes(10))).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "cannot be reached");
        await (await api.GetAsync("before")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");
        await (await api.Http.PostAsync(Url("k", "mpu-create"), null)).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        (await api.Http.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await api.Http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "the gateway itself is alive");

        _server.Start();
        _server.CreateBucket("outage");

        (await api.Http.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        var data = RandomBytes(1000);
        await api.PutOkAsync("after", data);
        (await api.GetBytesAsync("after")).Should().Equal(data);
    }
}
