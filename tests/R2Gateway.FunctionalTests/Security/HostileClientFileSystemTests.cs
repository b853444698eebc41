using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using R2Gateway.Testing;
using R2Gateway.Security;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>The hostile-client findings on the filesystem store, including those about its files on disk.</summary>
public sealed class HostileClientFileSystemTests(FileSystemGateway gateway) : HostileClientTests(gateway), IClassFixture<FileSystemGateway>
{
    private string Root => ((FileSystemGateway)Gateway).Root;

    private string ObjectPath(string key)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return Path.Combine(Root, "objects", hash[..2], hash[2..4], hash);
    }

    /// <summary>The store itself, on the gateway's root, for data written before today's rules.</summary>
    private FileSystemObjectStore Store() =>
        new(Options.Create(new FileSystemStoreOptions { Root = Root, Fsync = false }), Options.Create(new StorageOptions()), TimeProvider.System);

    // Item 1 (reader) and item 9: one bad blob never denies the listing, or other keys, to anyone.

    [Fact]
    public async Task Objects_stored_with_oversized_or_unsendable_metadata_before_the_rules_stay_readable()
    {
        var prefix = $"legacy/{Guid.NewGuid():N}/";
        var huge = new ObjectMetadata(ContentType: "text/plain", ContentDisposition: string.Concat(Enumerable.Repeat("<>&'\"+", 20_000 / 6)));
        var unsendable = new ObjectMetadata(ContentType: "text/plain\u0001", ContentDisposition: "attachment; filename=\"café.pdf\"");
        await Store().PutObjectAsync(prefix + "huge", new MemoryStream([1]), 1, new PutOptions(huge), default);
        await Store().PutObjectAsync(prefix + "unsendable", new MemoryStream([2]), 1, new PutOptions(unsendable), default);

        (await Api.ListAsync($"prefix={prefix}"))["objects"]!.AsArray().Should().HaveCount(2);
        foreach (var (key, body) in new[] { ("huge", (byte)1), ("unsendable", (byte)2) })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                using var get = await Gateway.Client.SendAsync(new HttpRequestMessage(method, Url(prefix + key, "get")));
                get.StatusCode.Should().Be(HttpStatusCode.OK, $"{method} {key}");
            }

            (await Api.GetBytesAsync(prefix + key)).Should().Equal(body);
        }

        using var unsendableGet = await Api.GetAsync(prefix + "unsendable");
        unsendableGet.Content.Headers.ContentType!.MediaType.Should().Be("application/octet-stream");
        unsendableGet.Content.Headers.ContentDisposition.Should().BeNull("a value that cannot be sent is left out");
    }

    [Fact]
    public async Task A_damaged_blob_or_a_stray_file_under_objects_does_not_break_list_or_other_keys()
    {
        var prefix = $"stray/{Guid.NewGuid():N}/";
        await Api.PutOkAsync(prefix + "good", [1, 2, 3]);
        await Api.PutOkAsync(prefix + "damaged", [4, 5, 6]);
        var damaged = ObjectPath(prefix + "damaged");
        File.WriteAllBytes(damaged, Encoding.ASCII.GetBytes("not a blob at all, no footer"));
        File.WriteAllText(Path.Combine(Root, "objects", "README.txt"), "left here by an operator");
        Directory.CreateDirectory(Path.Combine(Root, "objects", "zz"));
        File.WriteAllBytes(Path.Combine(Root, "objects", "zz", "core.1234"), new byte[100]);
        var fifo = Path.Combine(Root, "objects", "zz", "a-fifo");
        (await ProcessRunner.RunAsync("mkfifo", [fifo])).ExitCode.Should().Be(0);

        try
        {
            var listed = (await Api.ListAsync($"prefix={prefix}"))["objects"]!.AsArray();
            // The listing index still knows the damaged key, so it may be listed; its GET reports the fault.
            listed.Select(o => o!["key"]!.GetValue<string>()).Should().Contain(prefix + "good").And.BeSubsetOf([prefix + "good", prefix + "damaged"]);
            (await Api.GetBytesAsync(prefix + "good")).Should().Equal(1, 2, 3);
            using var get = await Api.GetAsync(prefix + "damaged");
            await get.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");
        }
        finally
        {
            File.Delete(damaged);
            Directory.Delete(Path.Combine(Root, "objects", "zz"), recursive: true);
            File.Delete(Path.Combine(Root, "objects", "README.txt"));
        }
    }

    // Items 6 and 12: the gateway's own presigned URLs name exactly the key they were signed for.

    [Theory]
    [InlineData("up/a/../b")]
    [InlineData("up/./c")]
    [InlineData("//evil.example/x")]
    [InlineData("up//d")]
    public async Task A_presigned_url_for_a_key_with_empty_or_dot_segments_works_for_that_key(string key)
    {
        key = $"{key}-{Guid.NewGuid():N}";
        // Slashes as %2F: HttpClient, like every client, would resolve the dot segments itself.
        var target = new Uri($"{Gateway.BaseAddress.GetLeftPart(UriPartial.Authority)}/{Uri.EscapeDataString(key)}?action=presign");
        using var presign = await Gateway.Client.PostAsJsonAsync(target, new { method = "PUT" });
        presign.StatusCode.Should().Be(HttpStatusCode.OK, await presign.Content.ReadAsStringAsync());
        var url = new Uri((await presign.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>());
        url.GetLeftPart(UriPartial.Authority).Should().Be(Gateway.BaseAddress.GetLeftPart(UriPartial.Authority));

        using var put = await Gateway.UrlClient.PutAsync(url, new ByteArrayContent([7, 7]));
        put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var listed = (await Api.ListAsync($"prefix={Uri.EscapeDataString(key)}"))["objects"]!.AsArray();
        listed.Select(o => o!["key"]!.GetValue<string>()).Should().Equal(key);
        var normalised = new Uri(new Uri("http://x/"), key.Replace("//", "/x/", StringComparison.Ordinal)).AbsolutePath.TrimStart('/');
        (await Api.ListAsync($"prefix={Uri.EscapeDataString(normalised)}"))["objects"]!.AsArray().Should().BeEmpty("no other key was written");
    }

    // Item 7: a damaged presign.key is never used to sign.

    [Fact]
    public async Task An_empty_presign_key_file_is_replaced_by_a_durable_random_key()
    {
        using var root = new TempDir();
        File.WriteAllBytes(Path.Combine(root.Path, "presign.key"), []);
        using var gateway = FileSystemGateway.OnRoot(root.Path);
        var key = UniqueKey();
        await new GatewayApi(gateway.Client).PutOkAsync(key, [1, 2, 3]);
        using var presign = await gateway.Client.PostAsJsonAsync(Url(key, "presign"), new { method = "GET" });
        var url = (await presign.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>();

        File.ReadAllBytes(Path.Combine(root.Path, "presign.key")).Length.Should().BeGreaterThanOrEqualTo(32);
        using (var ok = await gateway.UrlClient.GetAsync(url))
        {
            ok.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        // A signature made with the empty key is what an attacker could forge; it must not hold.
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(url).Query);
        var canonical = string.Join('\n', "R2GW-HMAC-SHA256", "GET", key, "get", "", "", query["X-R2GW-Expires"], "", "");
        var forged = System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(Array.Empty<byte>(), Encoding.UTF8.GetBytes(canonical)));
        using var refused = await gateway.UrlClient.GetAsync(url.Replace(query["X-R2GW-Signature"]!, forged, StringComparison.Ordinal));
        await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    // Item 8: only contention is "busy"; a lock file that cannot be opened fails at once.

    [Fact]
    public async Task A_lock_file_that_cannot_be_opened_fails_fast_instead_of_waiting_as_busy()
    {
        var key = UniqueKey();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        var lockPath = Path.Combine(Root, "locks", $"{hash[..2]}.lock");
        var saved = lockPath + ".saved";
        if (File.Exists(lockPath))
        {
            File.Move(lockPath, saved);
        }

        File.CreateSymbolicLink(lockPath, lockPath); // ELOOP: an I/O error that is not contention
        try
        {
            var clock = Stopwatch.StartNew();
            using var put = await Api.PutAsync(key, [1, 2, 3]);
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
            var problem = await put.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            problem["detail"]!.GetValue<string>().Should().NotContain("busy");
        }
        finally
        {
            File.Delete(lockPath);
            if (File.Exists(saved))
            {
                File.Move(saved, lockPath);
            }
        }

        await Api.PutOkAsync(key, [1, 2, 3]);
    }

    // Item 14: listing the parts of an upload being aborted is 200 or 404, never 503 or 500.

    [Fact]
    public async Task Listparts_racing_abort_answers_200_or_404()
    {
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 30; round++)
        {
            var key = UniqueKey();
            var uploadId = await Api.CreateAsync(key);
            await Task.WhenAll(Enumerable.Range(1, 40).Select(n => Api.UploadPartOkAsync(key, uploadId, n, [(byte)n])));
            var lists = Enumerable.Range(0, 4).Select(async _ =>
            {
                var seen = new List<HttpStatusCode>();
                for (var i = 0; i < 5; i++)
                {
                    using var r = await Gateway.Client.GetAsync(Url(key, "mpu-listparts", $"uploadId={uploadId}&maxParts=3"));
                    seen.Add(r.StatusCode);
                }

                return seen;
            }).ToList();
            using (var abort = await Gateway.Client.DeleteAsync(Url(key, "mpu-abort", $"uploadId={uploadId}")))
            {
                abort.StatusCode.Should().Be(HttpStatusCode.NoContent);
            }

            foreach (var list in lists)
            {
                statuses.AddRange(await list);
            }
        }

        statuses.Should().OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.NotFound);
    }

    // Kestrel's own rejections: a malformed body, which the gateway reads, is problem+json; a
    // malformed head is answered by Kestrel before any application code runs (no hook for a body),
    // with the right status, and the server keeps serving.

    [Fact]
    public async Task A_malformed_chunked_body_is_a_problem_json_400()
    {
        var key = UniqueKey();
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT {Url(key, "put")} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"));
        var answer = await new StreamReader(stream).ReadToEndAsync();
        answer.Should().StartWith("HTTP/1.1 400").And.Contain("application/problem+json");
        (await Api.GetBytesAsync(key)).Should().BeNull();
    }

    [Theory]
    [InlineData("Content-Length: abc\r\n", 400)]
    [InlineData("X-Big: {big}\r\n", 431)]
    [InlineData("X-Bare: a\rb\r\n", 400)]
    public async Task A_malformed_head_is_refused_by_Kestrel_and_the_gateway_keeps_serving(string header, int status)
    {
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /x?action=get HTTP/1.1\r\nHost: t\r\n{header.Replace("{big}", new string('a', 40_000), StringComparison.Ordinal)}\r\n"));
            var answer = await new StreamReader(stream).ReadToEndAsync();
            answer.Should().StartWith($"HTTP/1.1 {status}");
        }

        var key = UniqueKey();
        await Api.PutOkAsync(key, [1]);
        (await Api.GetBytesAsync(key)).Should().Equal(1);
    }

    // Item 13: a readiness probe on a full disk leaves nothing behind.

    [Fact]
    public async Task A_readiness_probe_that_cannot_write_leaves_no_temp_file()
    {
        using var root = new TempDir();
        var port = FreePort.Next();

        // A file-size limit of 0 makes every write fail as a full disk does, after the file exists
        // (SIGXFSZ ignored, so the write returns EFBIG instead of killing the process).
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"trap '' XFSZ; ulimit -f 0; exec dotnet '{typeof(Program).Assembly.Location}' --Urls=http://127.0.0.1:{port} --S3Api:Urls=http://127.0.0.1:0 --Storage:FileSystem:Root='{root.Path}'");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0"; // W^X maps code through a file, which the limit forbids
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var ready = await Eventually.Answers(client, "/readyz", process);
            ready.Should().Be(HttpStatusCode.ServiceUnavailable, "the probe cannot write");
            for (var i = 0; i < 5; i++)
            {
                (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            }

            Directory.EnumerateFileSystemEntries(Path.Combine(root.Path, "tmp")).Should().BeEmpty();

            // The presign key cannot be written either: a storage fault (503), not a 500, and no key file.
            using var presign = await client.PostAsJsonAsync("/k?action=presign", new { method = "GET" });
            presign.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, await presign.Content.ReadAsStringAsync());
            File.Exists(Path.Combine(root.Path, "presign.key")).Should().BeFalse();
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    // Item 5: a presigned URL carries no more than its signer may do.

    [Fact]
    public async Task Presigning_a_put_needs_write_and_a_get_needs_read()
    {
        var tokens = new Dictionary<string, (string Token, Right[] Can)>
        {
            ["reader"] = ("r2gw_hostile-reader-0123456789abcdefghijklmnop", [Right.Read, Right.Presign]),
            ["writer"] = ("r2gw_hostile-writer-0123456789abcdefghijklmnop", [Right.Write, Right.Presign]),
        };
        var settings = new Dictionary<string, string?>();
        var i = 0;
        foreach (var (name, (token, can)) in tokens)
        {
            settings[$"Auth:Tokens:{i}:Name"] = name;
            settings[$"Auth:Tokens:{i}:Hash"] = TokenHash.Of(token);
            settings[$"Auth:Tokens:{i}:Prefixes:0"] = "";
            for (var c = 0; c < can.Length; c++)
            {
                settings[$"Auth:Tokens:{i}:Can:{c}"] = can[c].ToString();
            }

            i++;
        }

        using var root = new TempDir();
        using var gateway = FileSystemGateway.OnRoot(root.Path, settings);
        async Task<HttpResponseMessage> Presign(string who, string url, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[who].Token);
            return await gateway.Client.SendAsync(request);
        }

        var key = UniqueKey();
        using (var put = await Presign("reader", Url(key, "presign"), new { method = "PUT" }))
        {
            await put.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "'write'");
        }

        using (var part = await Presign("reader", Url(key, "mpu-presign-part", "uploadId=abc&partNumber=1"), new { }))
        {
            await part.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "'write'");
        }

        using (var get = await Presign("writer", Url(key, "presign"), new { method = "GET" }))
        {
            await get.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "'read'");
        }

        using (var put = await Presign("writer", Url(key, "presign"), new { method = "PUT" }))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var read = await Presign("reader", Url(key, "presign"), new { method = "GET" });
        read.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
