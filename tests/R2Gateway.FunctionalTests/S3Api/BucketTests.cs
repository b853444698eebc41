using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using R2Gateway.S3Api;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>Buckets on the embedded store through real clients: aws s3 mb/ls/rb, boto3's bucket calls
/// and ListMultipartUploads paging, and a token's Buckets applied through both APIs.</summary>
[Trait("Needs", "Clients")]
public sealed class BucketTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    private const string B = S3GatewayFixture.Bucket;
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Aws_s3_mb_ls_rb_make_list_and_remove_a_bucket_beside_the_default_one()
    {
        var bucket = $"mb-{Guid.NewGuid():N}"[..24];
        var (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "mb", $"s3://{bucket}");
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "ls");
        exit.Should().Be(0, output);
        output.Should().Contain(bucket).And.Contain(B);

        var file = Path.Combine(s3.Root, $"mb-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "in the new bucket");
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "cp", file, $"s3://{bucket}/dir/f.txt", "--only-show-errors");
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "ls", $"s3://{bucket}/dir/");
        output.Should().Contain("f.txt");
        // Its own root under buckets/, and not the default bucket's key.
        Directory.Exists(Path.Combine(s3.Root, "buckets", bucket, "objects")).Should().BeTrue();
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3api", "head-object", "--bucket", B, "--key", "dir/f.txt");
        exit.Should().NotBe(0);
        output.Should().Contain("404");

        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "rb", $"s3://{bucket}");
        exit.Should().NotBe(0);
        output.Should().Contain("BucketNotEmpty");
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "rb", $"s3://{bucket}", "--force");
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "ls");
        output.Should().NotContain(bucket).And.Contain(B);
        Directory.Exists(Path.Combine(s3.Root, "buckets", bucket)).Should().BeFalse();

        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "mb", $"s3://{B}");
        exit.Should().NotBe(0);
        output.Should().Contain("BucketAlreadyOwnedByYou");
        (exit, output) = await s3.AwsAsync(s3.Owner, "s3", "rb", $"s3://{B}");
        exit.Should().NotBe(0);
        output.Should().Contain("InvalidBucketState");
    }

    [Fact]
    public async Task Boto3_creates_lists_by_token_deletes_buckets_and_pages_ListMultipartUploads()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "S3Api", "s3_buckets.py");
        var env = s3.ClientEnvironment(s3.Owner);
        env["TEAM_A_KEY"] = s3.TeamA.AccessKeyId;
        env["TEAM_A_SECRET"] = s3.TeamA.Secret;
        env["SCOPED_KEY"] = s3.Scoped.AccessKeyId;
        env["SCOPED_SECRET"] = s3.Scoped.Secret;
        var (exit, output) = await ProcessRunner.RunAsync("python3", [script], s3.Root, env, TimeSpan.FromMinutes(3));
        exit.Should().Be(0, output);
        output.Should().Contain("OK");
    }

    [Fact]
    public async Task Aws_s3api_list_multipart_uploads_pages_through_every_open_upload()
    {
        var prefix = $"mpu-list/{Guid.NewGuid():N}/";
        var created = new List<(string Key, string UploadId)>();
        foreach (var key in new[] { "b", "a", "c", "a", "d" })
        {
            var upload = await AwsJsonAsync(s3.All, "s3api", "create-multipart-upload", "--bucket", B, "--key", prefix + key);
            created.Add((prefix + key, upload["UploadId"]!.GetValue<string>()));
        }

        // Pages of two: the CLI follows NextKeyMarker/NextUploadIdMarker to the end.
        var all = await AwsJsonAsync(s3.All, "s3api", "list-multipart-uploads", "--bucket", B, "--prefix", prefix, "--page-size", "2");
        all["Uploads"]!.AsArray().Select(u => (u!["Key"]!.GetValue<string>(), u["UploadId"]!.GetValue<string>()))
            .Should().Equal(created.OrderBy(c => c.Key, StringComparer.Ordinal).ThenBy(c => c.UploadId, StringComparer.Ordinal));

        var first = await AwsJsonAsync(s3.All, "s3api", "list-multipart-uploads", "--bucket", B, "--prefix", prefix, "--max-items", "3");
        first["Uploads"]!.AsArray().Should().HaveCount(3);
        var rest = await AwsJsonAsync(s3.All, "s3api", "list-multipart-uploads", "--bucket", B, "--prefix", prefix, "--starting-token", first["NextToken"]!.GetValue<string>());
        rest["Uploads"]!.AsArray().Should().HaveCount(2);

        // The scoped token may list only under its prefix.
        var (exit, output) = await s3.AwsAsync(s3.Scoped, "s3api", "list-multipart-uploads", "--bucket", B, "--prefix", prefix);
        exit.Should().NotBe(0);
        output.Should().Contain("AccessDenied");

        foreach (var (key, uploadId) in created)
        {
            (exit, output) = await s3.AwsAsync(s3.All, "s3api", "abort-multipart-upload", "--bucket", B, "--key", key, "--upload-id", uploadId);
            exit.Should().Be(0, output);
        }

        var after = await AwsJsonAsync(s3.All, "s3api", "list-multipart-uploads", "--bucket", B, "--prefix", prefix);
        (after["Uploads"]?.AsArray() ?? []).Should().BeEmpty();
    }

    [Fact]
    public async Task A_token_for_one_bucket_cannot_read_or_write_another_through_either_API()
    {
        await EnsureBucketAsync("team-a");
        var other = $"team-b-{Guid.NewGuid():N}"[..20];
        await EnsureBucketAsync(other);
        var key = $"scope/{Guid.NewGuid():N}.txt";
        var file = Path.Combine(s3.Root, $"scope-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "secret");
        foreach (var bucket in new[] { B, other })
        {
            var (e, o) = await s3.AwsAsync(s3.Owner, "s3", "cp", file, $"s3://{bucket}/{key}", "--only-show-errors");
            e.Should().Be(0, o);
        }

        // S3: its own bucket only, and only its own bucket listed.
        var (exit, output) = await s3.AwsAsync(s3.TeamA, "s3", "cp", file, $"s3://team-a/{key}", "--only-show-errors");
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.TeamA, "s3", "ls");
        output.Should().Contain("team-a").And.NotContain(other).And.NotContain(B);
        foreach (var bucket in new[] { B, other })
        {
            (exit, output) = await s3.AwsAsync(s3.TeamA, "s3", "cp", $"s3://{bucket}/{key}", file + ".stolen", "--only-show-errors");
            exit.Should().NotBe(0);
            output.Should().Contain("403");
            (exit, output) = await s3.AwsAsync(s3.TeamA, "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file);
            exit.Should().NotBe(0);
            output.Should().Contain("AccessDenied");
            (exit, output) = await s3.AwsAsync(s3.TeamA, "s3api", "copy-object", "--bucket", "team-a", "--key", key + ".copy", "--copy-source", $"{bucket}/{key}");
            exit.Should().NotBe(0);
            output.Should().Contain("AccessDenied");
        }

        File.Exists(file + ".stolen").Should().BeFalse();

        // A token without Buckets has the default bucket only.
        (exit, output) = await s3.AwsAsync(s3.All, "s3api", "get-object", "--bucket", "team-a", "--key", key, file + ".stolen");
        exit.Should().NotBe(0);
        output.Should().Contain("AccessDenied");
        (exit, output) = await s3.AwsAsync(s3.All, "s3", "ls");
        output.Should().Contain(B).And.NotContain("team-a");

        // Worker API (the default bucket): the team-a token is refused, the default-bucket token served.
        using var get = Worker(HttpMethod.Get, key, "get", s3.BearerTokens["team-a"]);
        using var refused = await s3.Gateway.Client.SendAsync(get);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("AccessDenied");
        using var put = Worker(HttpMethod.Put, key, "put", s3.BearerTokens["team-a"]);
        put.Content = new StringContent("overwrite");
        using var refusedPut = await s3.Gateway.Client.SendAsync(put);
        refusedPut.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var allowed = Worker(HttpMethod.Get, key, "get", s3.BearerTokens["all"]);
        using var served = await s3.Gateway.Client.SendAsync(allowed);
        (await served.Content.ReadAsStringAsync()).Should().Be("secret");
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("ab")]
    [InlineData("a%2Fb")]
    [InlineData("a%2F..%2F..%2Fx")]
    [InlineData("%2E%2E")]
    [InlineData("..")]
    [InlineData("a..b")]
    [InlineData("-ab")]
    [InlineData("a_b")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 64
    public async Task A_crafted_bucket_name_is_InvalidBucketName_and_makes_nothing(string bucket)
    {
        using var gateway = new FileSystemGateway(); // no tokens: unsigned requests reach the bucket check
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
        foreach (var (method, path) in new[] { (HttpMethod.Put, $"/{bucket}"), (HttpMethod.Put, $"/{bucket}/key"), (HttpMethod.Get, $"/{bucket}?list-type=2") })
        {
            // Sent as written: HttpClient would otherwise resolve '..' and '%2E%2E' away before sending.
            using var request = new HttpRequestMessage(method, new Uri(endpoint + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
            request.Content = method == HttpMethod.Put ? new StringContent("x") : null;
            using var response = await Http.SendAsync(request);
            await ShouldBeS3ErrorAsync(response, HttpStatusCode.BadRequest, "InvalidBucketName");
        }

        Directory.Exists(Path.Combine(gateway.Root, "buckets")).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(gateway.Root)!, "x").Should().BeEmpty();
    }

    private async Task EnsureBucketAsync(string bucket)
    {
        var (exit, output) = await s3.AwsAsync(s3.Owner, "s3api", "create-bucket", "--bucket", bucket);
        if (exit != 0)
        {
            output.Should().Contain("BucketAlreadyOwnedByYou");
        }
    }

    private static HttpRequestMessage Worker(HttpMethod method, string key, string action, string token)
    {
        var request = new HttpRequestMessage(method, GatewayApi.Url(key, action));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private async Task<JsonObject> AwsJsonAsync((string, string) key, params string[] args)
    {
        var (exit, output) = await s3.AwsAsync(key, [.. args, "--output", "json"]);
        exit.Should().Be(0, output);
        return JsonNode.Parse(output)!.AsObject();
    }

    private static async Task ShouldBeS3ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        XDocument.Parse(body).Root!.Element("Code")!.Value.Should().Be(code);
    }
}
