using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using R2Gateway.Storage;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>R2 object parity: custom metadata, x-amz-checksum-*, list's startAfter and include.</summary>
public abstract partial class ContractTests
{
    /// <summary>Whether the bucket behind the store keeps x-amz-checksum-* (R2, AWS, radosgw from Squid)
    /// and so answers it on get/HEAD and computes composites; the gateway verifies them either way.</summary>
    protected virtual bool BucketKeepsChecksums => true;

    private static string Encoded(string value) => $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}?=";

    private static string Base64Of(ChecksumAlgorithm algorithm, byte[] data) => Convert.ToBase64String(Checksums.Hash(algorithm, data));

    private static string HexOf(ChecksumAlgorithm algorithm, byte[] data) => Convert.ToHexStringLower(Checksums.Hash(algorithm, data));

    [Fact]
    public async Task Custom_metadata_on_put_comes_back_on_get_and_head_with_lower_case_names()
    {
        var key = UniqueKey();
        await (await Api.PutAsync(key, RandomBytes(10), r =>
        {
            r.Headers.Add("X-Amz-Meta-Owner", "alice");
            r.Headers.Add("x-amz-meta-run-id", "42");
        })).ShouldBeOkAsync();

        using var get = await Api.GetAsync(key);
        get.Headers.GetValues("x-amz-meta-owner").Should().Equal("alice");
        get.Headers.GetValues("x-amz-meta-run-id").Should().Equal("42");
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(key, "get")));
        head.Headers.GetValues("x-amz-meta-owner").Should().Equal("alice");
    }

    [Fact]
    public async Task Unicode_custom_metadata_is_stored_decoded_and_returned_RFC_2047_encoded()
    {
        var key = UniqueKey();
        const string value = "Zoë's café — 日本語";
        await (await Api.PutAsync(key, RandomBytes(10), r => r.Headers.Add("x-amz-meta-title", Encoded(value)))).ShouldBeOkAsync();

        using var get = await Api.GetAsync(key);
        var returned = get.Headers.GetValues("x-amz-meta-title").Single();
        returned.All(c => c is >= ' ' and <= '~').Should().BeTrue("header values must stay ASCII");
        Rfc2047.Decode(returned).Should().Be(value);

        var list = await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}&include=customMetadata");
        list["objects"]![0]!["customMetadata"]!["title"]!.GetValue<string>().Should().Be(value);
    }

    [Fact]
    public async Task Custom_metadata_on_mpu_create_comes_back_after_complete()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key, r => r.Headers.Add("x-amz-meta-source", "camera-7"));
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, RandomBytes(100));
        (await Api.CompleteAsync(key, uploadId, [(1, etag)])).StatusCode.Should().Be(HttpStatusCode.OK);

        using var get = await Api.GetAsync(key);
        get.Headers.GetValues("x-amz-meta-source").Should().Equal("camera-7");
    }

    [Fact]
    public async Task More_than_8192_bytes_of_metadata_is_400_MetadataTooLarge_and_nothing_is_written()
    {
        var key = UniqueKey();
        var original = RandomBytes(10);
        await Api.PutOkAsync(key, original);

        // 4,100 + 4,100 value bytes plus the names: over 8,192 only together.
        using var put = await Api.PutAsync(key, RandomBytes(10), r =>
        {
            r.Headers.Add("x-amz-meta-a", new string('a', 4100));
            r.Headers.Add("x-amz-meta-b", new string('b', 4100));
        });
        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MetadataTooLarge", "8192");
        (await Api.GetBytesAsync(key)).Should().Equal(original);

        using var create = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(UniqueKey(), "mpu-create"))
        {
            Headers = { { "x-amz-meta-big", new string('x', 8200) } },
        });
        await create.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MetadataTooLarge");
    }

    [Fact]
    public async Task Metadata_of_exactly_8192_bytes_is_accepted()
    {
        var key = UniqueKey();
        using var put = await Api.PutAsync(key, RandomBytes(10), r => r.Headers.Add("x-amz-meta-n", new string('v', 8192 - 1)));
        await put.ShouldBeOkAsync();
        (await Api.GetAsync(key)).Headers.GetValues("x-amz-meta-n").Single().Length.Should().Be(8191);
    }

    [Theory]
    [InlineData(ChecksumAlgorithm.Sha256)]
    [InlineData(ChecksumAlgorithm.Sha1)]
    [InlineData(ChecksumAlgorithm.Crc32)]
    [InlineData(ChecksumAlgorithm.Crc32C)]
    [InlineData(ChecksumAlgorithm.Crc64Nvme)]
    public async Task Put_with_the_right_checksum_is_stored_and_answers_it(ChecksumAlgorithm algorithm)
    {
        var key = UniqueKey();
        var data = RandomBytes(300_000);
        var header = Checksums.HeaderName(algorithm);
        using var put = await Api.PutAsync(key, data, r => r.Headers.Add(header, Base64Of(algorithm, data)));

        var body = await put.ShouldBeOkAsync();
        put.Headers.GetValues(header).Should().Equal(Base64Of(algorithm, data));
        body["checksums"]![Checksums.Name(algorithm)]!.GetValue<string>().Should().Be(HexOf(algorithm, data));
        body["checksums"]!["md5"]!.GetValue<string>().Should().Be(Md5Hex(data));
        (await Api.GetBytesAsync(key)).Should().Equal(data);

        if (BucketKeepsChecksums)
        {
            using var get = await Api.GetAsync(key);
            get.Headers.GetValues(header).Should().Equal(Base64Of(algorithm, data));
            using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(key, "get")));
            head.Headers.GetValues(header).Should().Equal(Base64Of(algorithm, data));
            var list = await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}");
            list["objects"]![0]!["checksums"]![Checksums.Name(algorithm)]!.GetValue<string>().Should().Be(HexOf(algorithm, data));
        }
    }

    [Theory]
    [InlineData(ChecksumAlgorithm.Sha256)]
    [InlineData(ChecksumAlgorithm.Crc32C)]
    [InlineData(ChecksumAlgorithm.Crc64Nvme)]
    public async Task Put_with_a_wrong_checksum_is_400_BadDigest_and_keeps_the_old_object(ChecksumAlgorithm algorithm)
    {
        var key = UniqueKey();
        var original = RandomBytes(1000);
        await Api.PutOkAsync(key, original);
        var data = RandomBytes(300_000);

        using var put = await Api.PutAsync(key, data, r => r.Headers.Add(Checksums.HeaderName(algorithm), Base64Of(algorithm, RandomBytes(10))));

        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "BadDigest", Checksums.HeaderName(algorithm));
        (await Api.GetBytesAsync(key)).Should().Equal(original);
    }

    [Fact]
    public async Task Put_of_an_empty_body_with_a_wrong_checksum_writes_nothing()
    {
        var key = UniqueKey();
        using var put = await Api.PutAsync(key, [], r => r.Headers.Add("x-amz-checksum-sha256", Base64Of(ChecksumAlgorithm.Sha256, [1])));
        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "BadDigest");
        (await Api.GetBytesAsync(key)).Should().BeNull();
    }

    [Theory]
    [InlineData("x-amz-checksum-sha256", "not base64!")]
    [InlineData("x-amz-checksum-sha256", "AAAA")] // base64, but not 32 bytes
    [InlineData("x-amz-checksum-crc32", "AAAAAAAA")] // 6 bytes, not 4
    public async Task Put_with_a_malformed_checksum_is_400_InvalidArgument(string header, string value)
    {
        var key = UniqueKey();
        using var put = await Api.PutAsync(key, RandomBytes(10), r => r.Headers.TryAddWithoutValidation(header, value));
        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", header);
        (await Api.GetBytesAsync(key)).Should().BeNull();
    }

    [Fact]
    public async Task Put_with_two_checksums_is_400()
    {
        var data = RandomBytes(10);
        using var put = await Api.PutAsync(UniqueKey(), data, r =>
        {
            r.Headers.Add("x-amz-checksum-sha256", Base64Of(ChecksumAlgorithm.Sha256, data));
            r.Headers.Add("x-amz-checksum-crc32", Base64Of(ChecksumAlgorithm.Crc32, data));
        });
        await put.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "at most one");
    }

    [Fact]
    public async Task Mpu_create_with_an_unknown_checksum_algorithm_is_400()
    {
        using var create = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(UniqueKey(), "mpu-create"))
        {
            Headers = { { "x-amz-checksum-algorithm", "md4" } },
        });
        await create.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "x-amz-checksum-algorithm");
    }

    [Fact]
    public async Task Multipart_with_sha256_checks_each_part_and_completes_with_the_composite()
    {
        var key = UniqueKey();
        var part1 = RandomBytes(5 * MiB);
        var part2 = RandomBytes(1000);
        var uploadId = await Api.CreateAsync(key, r => r.Headers.Add("x-amz-checksum-algorithm", "SHA256"));

        using (var wrong = await UploadPartWithChecksumAsync(key, uploadId, 1, part1, Base64Of(ChecksumAlgorithm.Sha256, part2)))
        {
            await wrong.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "BadDigest");
        }

        var etags = new List<(int, string)>();
        foreach (var (n, data) in new[] { (1, part1), (2, part2) })
        {
            using var response = await UploadPartWithChecksumAsync(key, uploadId, n, data, Base64Of(ChecksumAlgorithm.Sha256, data));
            var body = await response.ShouldBeOkAsync();
            response.Headers.GetValues("x-amz-checksum-sha256").Should().Equal(Base64Of(ChecksumAlgorithm.Sha256, data));
            body["checksums"]!["sha256"]!.GetValue<string>().Should().Be(HexOf(ChecksumAlgorithm.Sha256, data));
            etags.Add((n, body["etag"]!.GetValue<string>()));
        }

        using var complete = await Api.CompleteAsync(key, uploadId, etags);
        var completed = await complete.ShouldBeOkAsync();
        (await Api.GetBytesAsync(key)).Should().Equal([.. part1, .. part2]);

        if (BucketKeepsChecksums)
        {
            var composite = SHA256.HashData([.. SHA256.HashData(part1), .. SHA256.HashData(part2)]);
            complete.Headers.GetValues("x-amz-checksum-sha256").Should().Equal($"{Convert.ToBase64String(composite)}-2");
            completed["checksums"]!["sha256"]!.GetValue<string>().Should().Be($"{Convert.ToHexStringLower(composite)}-2");
            using var get = await Api.GetAsync(key);
            get.Headers.GetValues("x-amz-checksum-sha256").Should().Equal($"{Convert.ToBase64String(composite)}-2");
        }
    }

    [Fact]
    public async Task Multipart_with_crc64nvme_completes_with_the_full_object_checksum()
    {
        var key = UniqueKey();
        var part1 = RandomBytes(5 * MiB);
        var part2 = RandomBytes(777);
        var uploadId = await Api.CreateAsync(key, r => r.Headers.Add("x-amz-checksum-algorithm", "crc64nvme"));
        var etags = new List<(int, string)>();
        foreach (var (n, data) in new[] { (1, part1), (2, part2) })
        {
            using var response = await UploadPartWithChecksumAsync(key, uploadId, n, data, Base64Of(ChecksumAlgorithm.Crc64Nvme, data), "x-amz-checksum-crc64nvme");
            etags.Add((n, (await response.ShouldBeOkAsync())["etag"]!.GetValue<string>()));
        }

        using var complete = await Api.CompleteAsync(key, uploadId, etags);
        var completed = await complete.ShouldBeOkAsync();
        if (BucketKeepsChecksums)
        {
            byte[] whole = [.. part1, .. part2];
            completed["checksums"]!["crc64nvme"]!.GetValue<string>().Should().Be(HexOf(ChecksumAlgorithm.Crc64Nvme, whole));
            using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(key, "get")));
            head.Headers.GetValues("x-amz-checksum-crc64nvme").Should().Equal(Base64Of(ChecksumAlgorithm.Crc64Nvme, whole));
        }
    }

    [Fact]
    public async Task List_startAfter_skips_keys_up_to_and_including_it()
    {
        var prefix = $"t/{Guid.NewGuid():N}/";
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            await Api.PutOkAsync(prefix + name, [1]);
        }

        var list = await Api.ListAsync($"prefix={Uri.EscapeDataString(prefix)}&startAfter={Uri.EscapeDataString(prefix + "b")}");
        list["objects"]!.AsArray().Select(o => o!["key"]!.GetValue<string>()).Should().Equal(prefix + "c", prefix + "d");
    }

    [Fact]
    public async Task List_include_adds_httpMetadata_and_customMetadata_only_when_asked()
    {
        var key = UniqueKey("x.txt");
        await (await Api.PutAsync(key, [1, 2, 3], r =>
        {
            r.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
            r.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
            r.Headers.Add("x-amz-meta-colour", "blue");
        })).ShouldBeOkAsync();

        var plain = (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}"))["objects"]![0]!.AsObject();
        plain.ContainsKey("httpMetadata").Should().BeFalse();
        plain.ContainsKey("customMetadata").Should().BeFalse();

        var both = (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}&include=httpMetadata&include=customMetadata"))["objects"]![0]!;
        both["httpMetadata"]!["contentType"]!.GetValue<string>().Should().Be("text/plain");
        both["httpMetadata"]!["cacheControl"]!.GetValue<string>().Should().Be("no-cache");
        both["customMetadata"]!["colour"]!.GetValue<string>().Should().Be("blue");

        var comma = (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}&include=customMetadata,httpMetadata"))["objects"]![0]!;
        comma["customMetadata"]!["colour"]!.GetValue<string>().Should().Be("blue");
    }

    [Fact]
    public async Task List_with_an_unknown_include_is_400()
    {
        using var response = await Http.GetAsync("/?action=list&include=secrets");
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "InvalidArgument", "include");
    }

    private Task<HttpResponseMessage> UploadPartWithChecksumAsync(string key, string uploadId, int partNumber, byte[] data, string checksum, string header = "x-amz-checksum-sha256")
    {
        var request = new HttpRequestMessage(HttpMethod.Put, Url(key, "mpu-uploadpart", $"uploadId={Uri.EscapeDataString(uploadId)}&partNumber={partNumber}"))
        {
            Content = new ByteArrayContent(data),
        };
        request.Headers.Add(header, checksum);
        return Http.SendAsync(request);
    }
}
