using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using R2Gateway.Security;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Events;

/// <summary>The pre-upload hook (receiver.py's /hook) and the per-token upload rules, on both stores.</summary>
public abstract class UploadHooksTests(IUploadHooksStore store) : IDisposable
{
    private const string Token = "r2gw_hooks-token-0123456789abcdefghijklmnopq";
    private const string Limited = "r2gw_limited-token-0123456789abcdefghijklmno";

    private readonly WebhookReceiver _receiver = new();
    private readonly List<IDisposable> _gateways = [];

    public void Dispose()
    {
        _gateways.ForEach(g => g.Dispose());
        _receiver.Dispose();
        GC.SuppressFinalize(this);
    }

    private GatewayApi Gateway(string timeout = "00:00:10", bool allowOnFailure = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hooks:PreUpload:Url"] = _receiver.HookUrl.ToString(),
            ["Hooks:PreUpload:Secret"] = WebhookReceiver.Secret,
            ["Hooks:PreUpload:Timeout"] = timeout,
            ["Hooks:PreUpload:AllowOnFailure"] = allowOnFailure.ToString(),
            ["Auth:Tokens:0:Name"] = "hooked",
            ["Auth:Tokens:0:Hash"] = TokenHash.Of(Token),
            ["Auth:Tokens:0:Prefixes:0"] = "h/",
            ["Auth:Tokens:0:Can:0"] = "Write",
            ["Auth:Tokens:0:Can:1"] = "Read",
            ["Auth:Tokens:1:Name"] = "limited",
            ["Auth:Tokens:1:Hash"] = TokenHash.Of(Limited),
            ["Auth:Tokens:1:Prefixes:0"] = "h/",
            ["Auth:Tokens:1:Can:0"] = "Write",
            ["Auth:Tokens:1:MaxObjectSize"] = "1000",
            ["Auth:Tokens:1:AllowedContentTypes:0"] = "image/*",
            ["Auth:Tokens:1:AllowedContentTypes:1"] = "application/pdf",
        };
        var (gateway, client) = store.Start(settings);
        _gateways.Add(gateway);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return new GatewayApi(client);
    }

    private static string Key(string stem) => $"h/{Guid.NewGuid():N}/{stem}";

    [Fact]
    public async Task An_allowed_put_is_stored_and_the_hook_saw_a_signed_request_with_size_type_and_token()
    {
        var api = Gateway();
        var key = Key("fine.txt");
        using var put = await api.PutAsync(key, RandomBytes(321), r =>
        {
            r.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            r.Headers.Add("x-amz-meta-color", "blue");
        });
        put.StatusCode.Should().Be(HttpStatusCode.OK);

        var call = _receiver.HookCalls().Single(c => (string)c["request"]!["key"]! == key);
        ((bool)call["valid"]!).Should().BeTrue();
        var request = call["request"]!;
        ((string)request["action"]!).Should().Be("PutObject");
        ((long)request["size"]!).Should().Be(321);
        ((string)request["contentType"]!).Should().Be("text/plain");
        ((string)request["token"]!).Should().Be("hooked");
        ((string)request["metadata"]!["contentType"]!).Should().Be("text/plain");
        ((string)request["metadata"]!["custom"]!["color"]!).Should().Be("blue");
    }

    [Fact]
    public async Task A_denying_hook_gets_403_with_its_reason_and_leaves_no_object_and_no_upload()
    {
        var api = Gateway();
        var key = Key("deny-me.bin");
        using var put = await api.PutAsync(key, RandomBytes(100));
        (await put.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "hook says no to " + key)).Should().NotBeNull();
        (await api.GetBytesAsync(key)).Should().BeNull();

        using var create = await api.Http.PostAsync(Url(key, "mpu-create"), null);
        await create.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "hook says no");
        (await store.UploadsUnderAsync(key)).Should().Be(0, "no upload was started");
    }

    [Fact]
    public async Task A_complete_is_asked_with_the_final_size_and_a_denied_complete_leaves_nothing()
    {
        var api = Gateway();
        var key = Key("big.bin");
        var data = RandomBytes(5 * MiB + 10);
        var etag = await api.UploadMultipartAsync(key, data, 5 * MiB);
        etag.Should().EndWith("-2");
        var complete = _receiver.HookCalls().Last(c => (string)c["request"]!["key"]! == key)["request"]!;
        ((string)complete["action"]!).Should().Be("CompleteMultipartUpload");
        ((long)complete["size"]!).Should().Be(data.Length);

        // receiver.py allows "deny-complete" keys at create and refuses them at complete.
        var denied = Key("deny-complete.bin");
        var uploadId = await api.CreateAsync(denied);
        var part = await api.UploadPartOkAsync(denied, uploadId, 1, RandomBytes(1000));
        using var refused = await api.CompleteAsync(denied, uploadId, [(1, part)]);
        await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "hook says no");
        (await api.GetBytesAsync(denied)).Should().BeNull();
        using var parts = await api.Http.GetAsync(Url(denied, "mpu-listparts", $"uploadId={Uri.EscapeDataString(uploadId)}"));
        parts.StatusCode.Should().Be(HttpStatusCode.NotFound, "a refused complete aborts the upload: nothing is left behind");
        // An aborted upload is moved aside at once and its files are unlinked in the background.
        await Eventually.Until(() => store.UploadsUnderAsync(denied), n => n == 0, because: "the refused upload's files are gone");
    }

    [Fact]
    public async Task The_hook_may_move_the_key_within_the_tokens_prefixes_and_set_metadata()
    {
        var api = Gateway();
        var key = Key("rewrite.txt");
        using var put = await api.PutAsync(key, RandomBytes(10));
        put.StatusCode.Should().Be(HttpStatusCode.OK);
        var moved = key.Replace("rewrite", "rewritten", StringComparison.Ordinal);
        ((string)(await put.Content.ReadFromJsonAsync<JsonObject>())!["key"]!).Should().Be(moved);
        (await api.GetBytesAsync(key)).Should().BeNull();
        using var got = await api.GetAsync(moved);
        got.StatusCode.Should().Be(HttpStatusCode.OK);
        got.Content.Headers.ContentType!.MediaType.Should().Be("text/x-hooked");

        var mpuKey = Key("rewrite-mpu.bin");
        using var create = await api.Http.PostAsync(Url(mpuKey, "mpu-create"), null);
        var created = (await create.Content.ReadFromJsonAsync<JsonObject>())!;
        var newKey = mpuKey.Replace("rewrite", "rewritten", StringComparison.Ordinal);
        ((string)created["key"]!).Should().Be(newKey, "mpu-create answers with the key the hook chose");
        var uploadId = (string)created["uploadId"]!;
        var part = await api.UploadPartOkAsync(newKey, uploadId, 1, RandomBytes(100));
        using var completed = await api.CompleteAsync(newKey, uploadId, [(1, part)]);
        completed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.GetBytesAsync(newKey)).Should().HaveCount(100);
    }

    [Fact]
    public async Task A_slow_hook_times_out_as_configured_and_refuses_the_upload()
    {
        var api = Gateway(timeout: "00:00:00.500");
        var key = Key("slow.bin");
        var started = DateTime.UtcNow;
        using var put = await api.PutAsync(key, RandomBytes(10));
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(4), "the 5 s hook is cut off at 0.5 s");
        await put.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "did not answer within 0.5 s");
        (await api.GetBytesAsync(key)).Should().BeNull();
    }

    [Fact]
    public async Task A_slow_hook_with_AllowOnFailure_lets_the_upload_through()
    {
        var api = Gateway(timeout: "00:00:00.300", allowOnFailure: true);
        var key = Key("slow-ok.bin");
        using var put = await api.PutAsync(key, RandomBytes(10));
        put.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_tokens_size_and_content_type_rules_refuse_without_a_hook_call()
    {
        var api = Gateway();
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Limited);
        var key = Key("photo.png");
        using var text = await api.PutAsync(key, RandomBytes(10), r => r.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain"));
        await text.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "image/*");
        using var big = await api.PutAsync(key, RandomBytes(1001), r => r.Content!.Headers.ContentType = new MediaTypeHeaderValue("image/png"));
        await big.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "EntityTooLarge", "at most 1000 bytes");
        using var chunked = await api.Http.PutAsync(Url(key, "put"), new StreamContent(new MemoryStream(RandomBytes(5000))) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }.Chunked());
        chunked.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, "a chunked body is cut off at the token's limit");
        using var fine = await api.PutAsync(key, RandomBytes(1000), r => r.Content!.Headers.ContentType = new MediaTypeHeaderValue("image/png"));
        fine.StatusCode.Should().Be(HttpStatusCode.OK);
        // The hook is asked before a body is read: of the chunked put without its size, which only its
        // length can refuse; never of the puts the token's own rules refused up front.
        _receiver.HookCalls().Where(c => (string)c["request"]!["key"]! == key).Select(c => (long?)c["request"]!["size"])
            .Should().Equal([null, 1000], "the refused text and 1001-byte puts never reached the hook");
    }
}

public static class ChunkedContent
{
    public static HttpContent Chunked(this HttpContent content)
    {
        content.Headers.ContentLength = null;
        return content;
    }
}

/// <summary>A store the hook tests run against: start a gateway with extra settings; count what is left of a key's uploads.</summary>
public interface IUploadHooksStore
{
    (IDisposable Gateway, HttpClient Client) Start(Dictionary<string, string?> settings);

    Task<int> UploadsUnderAsync(string key);
}

public sealed class FileSystemHooksStore : IUploadHooksStore, IDisposable
{
    private readonly TempDir _root = new();

    public (IDisposable Gateway, HttpClient Client) Start(Dictionary<string, string?> settings)
    {
        var gateway = FileSystemGateway.OnRoot(_root.Path, settings);
        return (gateway, gateway.Client);
    }

    /// <summary>Any file of the store (whatever its layout) that names the key.</summary>
    public Task<int> UploadsUnderAsync(string key) => Task.FromResult(
        Directory.EnumerateFiles(_root.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Path.Combine(_root.Path, "events"), StringComparison.Ordinal) && new FileInfo(f).Length < 1024 * 1024)
            .Count(f => File.ReadAllText(f).Contains(key, StringComparison.Ordinal)));

    public void Dispose() => _root.Dispose();
}

public sealed class S3HooksStore : IUploadHooksStore, IDisposable
{
    private readonly S3TestServer _server = S3TestServer.Shared;
    private readonly string _bucket = S3TestServer.Shared.CreateUniqueBucket("hooks");

    public (IDisposable Gateway, HttpClient Client) Start(Dictionary<string, string?> settings)
    {
        var all = _server.GatewaySettings(_bucket);
        foreach (var (k, v) in settings)
        {
            all[k] = v;
        }

        var factory = GatewayFactory.Start(all);
        return (factory, factory.CreateClient());
    }

    public async Task<int> UploadsUnderAsync(string key)
    {
        using var client = _server.Client(_bucket);
        var uploads = await client.ListMultipartUploadsAsync(new Amazon.S3.Model.ListMultipartUploadsRequest { BucketName = _bucket, Prefix = key });
        return uploads.MultipartUploads?.Count ?? 0;
    }

    public void Dispose() => _server.DeleteBucket(_bucket);
}

public sealed class FileSystemUploadHooksTests(FileSystemHooksStore store) : UploadHooksTests(store), IClassFixture<FileSystemHooksStore>;

[Trait("Needs", "S3")]
public sealed class S3UploadHooksTests(S3HooksStore store) : UploadHooksTests(store), IClassFixture<S3HooksStore>;
