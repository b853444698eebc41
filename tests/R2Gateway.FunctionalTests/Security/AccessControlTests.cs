using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using R2Gateway.Security;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>Bearer tokens with prefixes and rights: every action refuses a missing or wrong token
/// (401), a token without the right or for another prefix (403), and leaves the store unchanged.</summary>
public sealed class AccessControlTests : IDisposable
{
    private static readonly Dictionary<string, (string Token, string Prefix, Right[] Can)> Tokens = new()
    {
        ["admin"] = ("r2gw_admin-token-0123456789abcdefghijklmnopq", "", [Right.Read, Right.Write, Right.Delete, Right.Presign]),
        ["reader"] = ("r2gw_reader-token-0123456789abcdefghijklmnop", "uploads/", [Right.Read]),
        ["writer"] = ("r2gw_writer-token-0123456789abcdefghijklmnop", "uploads/", [Right.Write]),
        ["deleter"] = ("r2gw_deleter-token-0123456789abcdefghijklmno", "uploads/", [Right.Delete]),
        // A presigned URL carries no more than its signer may do: presign plus the signed request's right.
        ["presigner"] = ("r2gw_presigner-token-0123456789abcdefghijklm", "uploads/", [Right.Presign, Right.Read]),
        ["part-presigner"] = ("r2gw_partpresigner-token-0123456789abcdefg", "uploads/", [Right.Presign, Right.Write]),
        ["elsewhere"] = ("r2gw_elsewhere-token-0123456789abcdefghijklm", "other/", [Right.Read, Right.Write, Right.Delete, Right.Presign]),
    };

    private readonly TempDir _root = new();
    private readonly CapturedLogs _logs = new();
    private readonly FileSystemGateway _gateway;
    private readonly HttpClient _http;

    public AccessControlTests()
    {
        var settings = new Dictionary<string, string?>();
        var i = 0;
        foreach (var (name, (token, prefix, can)) in Tokens)
        {
            settings[$"Auth:Tokens:{i}:Name"] = name;
            settings[$"Auth:Tokens:{i}:Hash"] = TokenHash.Of(token);
            settings[$"Auth:Tokens:{i}:Prefixes:0"] = prefix;
            for (var c = 0; c < can.Length; c++)
            {
                settings[$"Auth:Tokens:{i}:Can:{c}"] = can[c].ToString();
            }

            i++;
        }

        _gateway = FileSystemGateway.OnRoot(_root.Path, settings, services => services.AddSingleton<Serilog.Core.ILogEventSink>(_logs));
        _http = _gateway.Client;
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _root.Dispose();
    }

    private static HttpRequestMessage As(string? who, HttpRequestMessage request)
    {
        if (who == "wrong")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "r2gw_not-a-token-this-gateway-knows-000000000");
        }
        else if (who is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[who].Token);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(string? who, HttpMethod method, string url, HttpContent? content = null) =>
        await _http.SendAsync(As(who, new HttpRequestMessage(method, url) { Content = content }));

    /// <summary>The state a refused request must not change: an object and an upload with one part.</summary>
    private async Task<(string Key, string UploadId, string ETag)> ArrangeAsync(string key)
    {
        (await SendAsync("admin", HttpMethod.Put, Url(key, "put"), new ByteArrayContent([1, 2, 3]))).StatusCode.Should().Be(HttpStatusCode.OK);
        using var created = await SendAsync("admin", HttpMethod.Post, Url(key, "mpu-create"));
        var uploadId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["uploadId"]!.GetValue<string>();
        using var part = await SendAsync("admin", HttpMethod.Put, Url(key, "mpu-uploadpart", $"uploadId={uploadId}&partNumber=1"), new ByteArrayContent([9]));
        return (key, uploadId, (await part.Content.ReadFromJsonAsync<JsonObject>())!["etag"]!.GetValue<string>());
    }

    private async Task ShouldBeUnchangedAsync((string Key, string UploadId, string ETag) state)
    {
        using var get = await SendAsync("admin", HttpMethod.Get, Url(state.Key, "get"));
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(1, 2, 3);
        using var parts = await SendAsync("admin", HttpMethod.Get, Url(state.Key, "mpu-listparts", $"uploadId={state.UploadId}"));
        parts.StatusCode.Should().Be(HttpStatusCode.OK, "the upload still exists");
        (await parts.Content.ReadFromJsonAsync<JsonObject>())!["parts"]!.AsArray().Select(p => p!["etag"]!.GetValue<string>()).Should().Equal(state.ETag);
    }

    public static TheoryData<string, string> Actions => new()
    {
        { "get", "reader" }, { "list", "reader" }, { "mpu-listparts", "reader" }, { "put", "writer" }, { "mpu-create", "writer" },
        { "mpu-uploadpart", "writer" }, { "mpu-complete", "writer" }, { "delete", "deleter" }, { "mpu-abort", "deleter" },
        { "presign", "presigner" }, { "mpu-presign-part", "part-presigner" },
    };

    private static (HttpMethod Method, string Url, Func<HttpContent?> Body) RequestFor(string action, (string Key, string UploadId, string ETag) s) => action switch
    {
        "get" => (HttpMethod.Get, Url(s.Key, "get"), () => null),
        "list" => (HttpMethod.Get, $"/?action=list&prefix={Uri.EscapeDataString(s.Key)}", () => null),
        "mpu-listparts" => (HttpMethod.Get, Url(s.Key, "mpu-listparts", $"uploadId={s.UploadId}"), () => null),
        "put" => (HttpMethod.Put, Url(s.Key, "put"), () => new ByteArrayContent([7, 7])),
        "mpu-create" => (HttpMethod.Post, Url(s.Key, "mpu-create"), () => null),
        "mpu-uploadpart" => (HttpMethod.Put, Url(s.Key, "mpu-uploadpart", $"uploadId={s.UploadId}&partNumber=1"), () => new ByteArrayContent([8])),
        "mpu-complete" => (HttpMethod.Post, Url(s.Key, "mpu-complete", $"uploadId={s.UploadId}"), () => JsonContent.Create(new { parts = new[] { new { partNumber = 1, etag = s.ETag } } })),
        "delete" => (HttpMethod.Delete, Url(s.Key, "delete"), () => null),
        "mpu-abort" => (HttpMethod.Delete, Url(s.Key, "mpu-abort", $"uploadId={s.UploadId}"), () => null),
        "presign" => (HttpMethod.Post, Url(s.Key, "presign"), () => JsonContent.Create(new { method = "GET" })),
        "mpu-presign-part" => (HttpMethod.Post, Url(s.Key, "mpu-presign-part", $"uploadId={s.UploadId}&partNumber=2"), () => JsonContent.Create(new { })),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Only_a_token_with_the_right_on_the_prefix_may_act(string action, string rightful)
    {
        var state = await ArrangeAsync($"uploads/{action}/{Guid.NewGuid():N}");
        var (method, url, body) = RequestFor(action, state);

        foreach (var who in new string?[] { null, "wrong" })
        {
            using var refused = await SendAsync(who, method, url, body());
            await refused.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "Unauthorized");
            refused.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        }

        // Every token that lacks one of the rightful token's rights is refused.
        foreach (var who in Tokens.Keys.Where(t => t != "admin" && !Tokens[rightful].Can.All(Tokens[t].Can.Contains)))
        {
            using var refused = await SendAsync(who, method, url, body());
            await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", $"Token '{who}'");
        }

        await ShouldBeUnchangedAsync(state);
        using var allowed = await SendAsync(rightful, method, url, body());
        ((int)allowed.StatusCode).Should().BeInRange(200, 299, await allowed.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("uploads\\..\\secret")]
    [InlineData("uploads∕secret")]
    [InlineData("uploads／secret")]
    [InlineData("Uploads/secret")]
    [InlineData("%2E%2E/uploads/secret")]
    [InlineData("./uploads/secret")]
    [InlineData("uploads")]
    public async Task Spellings_outside_the_prefix_are_refused(string key)
    {
        using var response = await SendAsync("writer", HttpMethod.Put, PathOf(key, encodeSlashes: true) + "?action=put", new ByteArrayContent([1]));
        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied");
        using var check = await SendAsync("admin", HttpMethod.Get, $"/?action=list");
        (await check.Content.ReadAsStringAsync()).Should().NotContain("secret");
    }

    [Fact]
    public async Task A_very_long_key_inside_the_prefix_is_still_bound_by_the_key_rules()
    {
        using var response = await SendAsync("writer", HttpMethod.Put, Url("uploads/" + new string('x', 2000), "put"), new ByteArrayContent([1]));
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "KeyTooLongError");
    }

    [Fact]
    public async Task Listing_outside_the_prefix_is_refused()
    {
        await (await SendAsync("reader", HttpMethod.Get, "/?action=list")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await SendAsync("reader", HttpMethod.Get, "/?action=list&prefix=other/")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied");
        (await SendAsync("reader", HttpMethod.Get, "/?action=list&prefix=uploads/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_presigned_url_works_without_a_token_but_only_for_what_was_signed()
    {
        var state = await ArrangeAsync($"uploads/presigned/{Guid.NewGuid():N}");
        using var signed = await SendAsync("presigner", HttpMethod.Post, Url(state.Key, "presign"), JsonContent.Create(new { method = "GET" }));
        var url = (await signed.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>();

        (await _gateway.UrlClient.GetByteArrayAsync(url)).Should().Equal(1, 2, 3);
        (await _gateway.UrlClient.GetAsync(url.Replace(Uri.EscapeDataString(state.Key.Split('/')[^1]), "other", StringComparison.Ordinal)))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _gateway.UrlClient.DeleteAsync(url.Replace("action=get", "action=delete", StringComparison.Ordinal))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await ShouldBeUnchangedAsync(state);
    }

    [Fact]
    public async Task Tokens_never_reach_the_log_but_their_names_do_in_the_audit_lines()
    {
        var key = $"uploads/audited/{Guid.NewGuid():N}";
        await SendAsync("writer", HttpMethod.Put, Url(key, "put"), new ByteArrayContent(new byte[1234]));
        await SendAsync("deleter", HttpMethod.Delete, Url(key, "delete"));
        await SendAsync("wrong", HttpMethod.Put, Url(key, "put"), new ByteArrayContent([1]));

        var log = _logs.Text;
        foreach (var (token, _, _) in Tokens.Values)
        {
            log.Should().NotContain(token);
        }

        log.Should().NotContain("r2gw_not-a-token").And.NotContain("Bearer r2gw");
        log.Should().Contain($"audit token=writer action=put key={key} bytes=1234 status=200");
        log.Should().Contain($"audit token=deleter action=delete key={key} bytes=0 status=204");
    }
}

/// <summary>Every log line the gateway writes, as rendered text, for tests that read the log
/// (the gateway adds Serilog sinks registered as services).</summary>
public sealed class CapturedLogs : Serilog.Core.ILogEventSink
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public string Text => string.Join('\n', _lines);

    public System.Collections.Concurrent.ConcurrentQueue<Serilog.Events.LogEvent> Events { get; } = new();

    public void Emit(Serilog.Events.LogEvent logEvent)
    {
        Events.Enqueue(logEvent);
        _lines.Enqueue(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)
            + (logEvent.Exception is null ? "" : "\n" + logEvent.Exception));
    }
}
