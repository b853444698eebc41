using System.Text.Json.Nodes;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The real aws CLI against the gateway's S3 endpoint on the embedded store.</summary>
[Trait("Needs", "Clients")]
public sealed class AwsCliTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    private const string B = S3GatewayFixture.Bucket;

    [Fact]
    public async Task Cp_above_the_multipart_threshold_round_trips_and_lists()
    {
        var data = RandomBytes(20 * MiB);
        var file = Path.Combine(s3.Root, $"up-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, data);
        var key = $"cli/{Guid.NewGuid():N}/big file+1.bin";

        var (exit, output) = await s3.AwsAsync(s3.All, "s3", "cp", file, $"s3://{B}/{key}", "--only-show-errors");
        exit.Should().Be(0, output);

        // Parts of 8 MiB: the store made a multipart object (etag md5-3).
        var head = await AwsJsonAsync("s3api", "head-object", "--bucket", B, "--key", key);
        head["ContentLength"]!.GetValue<long>().Should().Be(data.Length);
        head["ETag"]!.GetValue<string>().Should().EndWith("-3\"");

        (exit, output) = await s3.AwsAsync(s3.All, "s3", "ls", $"s3://{B}/{key[..key.LastIndexOf('/')]}/");
        output.Should().Contain("big file+1.bin").And.Contain(data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A copy this size is made with UploadPartCopy in 8 MiB ranges: the same parts, so the same etag.
        (exit, output) = await s3.AwsAsync(s3.All, "s3", "cp", $"s3://{B}/{key}", $"s3://{B}/{key}.copy", "--only-show-errors");
        exit.Should().Be(0, output);
        (await AwsJsonAsync("s3api", "head-object", "--bucket", B, "--key", key + ".copy"))["ETag"]!.GetValue<string>().Should().Be(head["ETag"]!.GetValue<string>());

        var back = file + ".back";
        (exit, output) = await s3.AwsAsync(s3.All, "s3", "cp", $"s3://{B}/{key}", back, "--only-show-errors");
        exit.Should().Be(0, output);
        (await File.ReadAllBytesAsync(back)).Should().Equal(data);
    }

    [Fact]
    public async Task S3api_put_get_range_copy_list_and_delete()
    {
        var dir = $"api/{Guid.NewGuid():N}/";
        var body = Path.Combine(s3.Root, $"body-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(body, "0123456789abcdef");

        var put = await AwsJsonAsync("s3api", "put-object", "--bucket", B, "--key", dir + "a.txt", "--body", body, "--content-type", "text/plain");
        put["ETag"]!.GetValue<string>().Should().Be($"\"{Md5Hex(await File.ReadAllBytesAsync(body))}\"");

        var part = Path.Combine(s3.Root, $"range-{Guid.NewGuid():N}");
        var get = await AwsJsonAsync("s3api", "get-object", "--bucket", B, "--key", dir + "a.txt", "--range", "bytes=2-5", part);
        get["ContentRange"]!.GetValue<string>().Should().Be("bytes 2-5/16");
        get["ContentType"]!.GetValue<string>().Should().Be("text/plain");
        (await File.ReadAllTextAsync(part)).Should().Be("2345");

        var copy = await AwsJsonAsync("s3api", "copy-object", "--bucket", B, "--key", dir + "b.txt", "--copy-source", $"{B}/{dir}a.txt");
        copy["CopyObjectResult"]!["ETag"]!.GetValue<string>().Should().Be(put["ETag"]!.GetValue<string>());

        var v2 = await AwsJsonAsync("s3api", "list-objects-v2", "--bucket", B, "--prefix", dir);
        v2["Contents"]!.AsArray().Select(c => c!["Key"]!.GetValue<string>()).Should().Equal(dir + "a.txt", dir + "b.txt");
        var v1 = await AwsJsonAsync("s3api", "list-objects", "--bucket", B, "--prefix", dir, "--delimiter", "/", "--max-items", "1");
        v1["Contents"]!.AsArray().Should().ContainSingle();

        var (exit, output) = await s3.AwsAsync(s3.All, "s3api", "delete-object", "--bucket", B, "--key", dir + "a.txt");
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.All, "s3api", "head-object", "--bucket", B, "--key", dir + "a.txt");
        exit.Should().NotBe(0);
        output.Should().Contain("404");

        (exit, output) = await s3.AwsAsync(s3.All, "s3", "rm", "--recursive", $"s3://{B}/{dir}");
        exit.Should().Be(0, output);
        (await AwsJsonAsync("s3api", "list-objects-v2", "--bucket", B, "--prefix", dir))["Contents"].Should().BeNull();
    }

    [Fact]
    public async Task Buckets_are_listed_and_headed()
    {
        var list = await AwsJsonAsync("s3api", "list-buckets");
        list["Buckets"]!.AsArray().Select(b => b!["Name"]!.GetValue<string>()).Should().Equal(B);
        var (exit, output) = await s3.AwsAsync(s3.All, "s3api", "head-bucket", "--bucket", B);
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.All, "s3api", "head-bucket", "--bucket", "another-bucket");
        exit.Should().NotBe(0);
        output.Should().Contain("404");
    }

    [Fact]
    public async Task A_wrong_secret_is_SignatureDoesNotMatch_and_stores_nothing()
    {
        var key = $"wrong/{Guid.NewGuid():N}";
        var file = Path.Combine(s3.Root, $"w-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "x");
        var (exit, output) = await s3.AwsWithSecretAsync(s3.All, "not-the-secret-0000000000000000000000000", "s3api", "put-object", "--bucket", B, "--key", key, "--body", file);
        exit.Should().NotBe(0);
        output.Should().Contain("SignatureDoesNotMatch");
        (exit, _) = await s3.AwsAsync(s3.All, "s3api", "head-object", "--bucket", B, "--key", key);
        exit.Should().NotBe(0);
    }

    [Fact]
    public async Task A_key_outside_the_tokens_prefix_is_AccessDenied()
    {
        var file = Path.Combine(s3.Root, $"p-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "scoped");
        var (exit, output) = await s3.AwsAsync(s3.Scoped, "s3api", "put-object", "--bucket", B, "--key", $"allowed/{Guid.NewGuid():N}", "--body", file);
        exit.Should().Be(0, output);

        (exit, output) = await s3.AwsAsync(s3.Scoped, "s3api", "put-object", "--bucket", B, "--key", $"elsewhere/{Guid.NewGuid():N}", "--body", file);
        exit.Should().NotBe(0);
        output.Should().Contain("AccessDenied");

        // The same rule for a spelling that climbs out of the prefix, and for listing elsewhere.
        (exit, output) = await s3.AwsAsync(s3.Scoped, "s3api", "put-object", "--bucket", B, "--key", "allowed/../elsewhere/x", "--body", file);
        exit.Should().Be(0, output); // a key is a string: this one is under allowed/ and stays there
        (await AwsJsonAsync("s3api", "head-object", "--bucket", B, "--key", "allowed/../elsewhere/x"))["ContentLength"]!.GetValue<long>().Should().Be(6);
        (exit, output) = await s3.AwsAsync(s3.Scoped, "s3api", "list-objects-v2", "--bucket", B, "--prefix", "elsewhere/");
        exit.Should().NotBe(0);
        output.Should().Contain("AccessDenied");
        (exit, output) = await s3.AwsAsync(s3.Scoped, "s3api", "delete-object", "--bucket", B, "--key", "allowed/x");
        output.Should().Contain("AccessDenied", "the scoped token has no delete right");
    }

    [Fact]
    public async Task Sync_uploads_a_tree_then_only_what_changed_and_deletes_with_delete()
    {
        var tree = Directory.CreateDirectory(Path.Combine(s3.Root, $"sync-{Guid.NewGuid():N}")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        await File.WriteAllTextAsync(Path.Combine(tree, "a.txt"), "alpha");
        await File.WriteAllTextAsync(Path.Combine(tree, "gone.txt"), "to be deleted");
        await File.WriteAllBytesAsync(Path.Combine(tree, "sub", "big.bin"), RandomBytes(9 * MiB));
        var target = $"s3://{B}/sync/{Guid.NewGuid():N}";

        var (exit, output) = await s3.AwsAsync(s3.All, "s3", "sync", tree, target, "--no-progress");
        exit.Should().Be(0, output);
        Uploads(output).Should().BeEquivalentTo("a.txt", "gone.txt", "sub/big.bin");

        (exit, output) = await s3.AwsAsync(s3.All, "s3", "sync", tree, target, "--no-progress");
        exit.Should().Be(0, output);
        Uploads(output).Should().BeEmpty("nothing changed");

        await File.WriteAllTextAsync(Path.Combine(tree, "a.txt"), "alpha, changed");
        File.Delete(Path.Combine(tree, "gone.txt"));
        (exit, output) = await s3.AwsAsync(s3.All, "s3", "sync", tree, target, "--no-progress", "--delete");
        exit.Should().Be(0, output);
        Uploads(output).Should().Equal("a.txt");
        output.Should().Contain($"delete: {target}/gone.txt");

        var listed = await AwsJsonAsync("s3api", "list-objects-v2", "--bucket", B, "--prefix", target[(B.Length + 6)..] + "/");
        listed["Contents"]!.AsArray().Select(c => (c!["Key"]!.GetValue<string>()[(target.Length - B.Length - 5)..], c["Size"]!.GetValue<long>()))
            .Should().BeEquivalentTo([("a.txt", 14L), ("sub/big.bin", 9L * MiB)]);

        IEnumerable<string> Uploads(string log) => log.Split('\n').Where(l => l.StartsWith("upload: ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(" to ", StringComparison.Ordinal) + 4 + target.Length + 1)..].Trim()).ToList();
    }

    [Fact]
    public async Task Unequal_part_sizes_are_refused_as_R2_refuses_them()
    {
        var key = $"mpu/{Guid.NewGuid():N}";
        var upload = (await AwsJsonAsync("s3api", "create-multipart-upload", "--bucket", B, "--key", key))["UploadId"]!.GetValue<string>();
        var etags = new List<string>();
        foreach (var (n, size) in new[] { (1, 6 * MiB), (2, 5 * MiB), (3, 1) })
        {
            var file = Path.Combine(s3.Root, $"part-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(file, RandomBytes(size));
            etags.Add((await AwsJsonAsync("s3api", "upload-part", "--bucket", B, "--key", key, "--upload-id", upload, "--part-number", $"{n}", "--body", file))["ETag"]!.GetValue<string>());
        }

        var parts = await AwsJsonAsync("s3api", "list-parts", "--bucket", B, "--key", key, "--upload-id", upload);
        parts["Parts"]!.AsArray().Select(p => p!["Size"]!.GetValue<long>()).Should().Equal(6 * MiB, 5 * MiB, 1);

        var layout = new JsonObject { ["Parts"] = new JsonArray(etags.Select((e, i) => (JsonNode)new JsonObject { ["PartNumber"] = i + 1, ["ETag"] = e }).ToArray()) };
        var (exit, output) = await s3.AwsAsync(s3.All, "s3api", "complete-multipart-upload", "--bucket", B, "--key", key, "--upload-id", upload,
            "--multipart-upload", layout.ToJsonString());
        exit.Should().NotBe(0);
        output.Should().Contain("InvalidPart").And.Contain("same size");

        (exit, output) = await s3.AwsAsync(s3.All, "s3api", "abort-multipart-upload", "--bucket", B, "--key", key, "--upload-id", upload);
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.All, "s3api", "list-parts", "--bucket", B, "--key", key, "--upload-id", upload);
        output.Should().Contain("NoSuchUpload");
    }

    private async Task<JsonObject> AwsJsonAsync(params string[] args)
    {
        var (exit, output) = await s3.AwsAsync(s3.All, args);
        exit.Should().Be(0, output);
        return JsonNode.Parse(output[output.IndexOf('{')..])!.AsObject();
    }
}
