using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>The gateway's own presigned URLs (filesystem store): refusals are problem+json with
/// AccessDenied, and the signing key is private and shared by gateways on one root.</summary>
public sealed class GatewayPresignTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly FileSystemGateway _gateway;

    public GatewayPresignTests() => _gateway = FileSystemGateway.OnRoot(_root.Path, services: s => s.AddSingleton<TimeProvider>(_clock));

    public void Dispose()
    {
        _gateway.Dispose();
        _root.Dispose();
    }

    private static async Task<string> PresignAsync(HttpClient client, string key, object body)
    {
        using var response = await client.PostAsJsonAsync(Url(key, "presign"), body);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>();
    }

    [Fact]
    public async Task Presigned_urls_point_back_at_the_gateway()
    {
        var url = new Uri(await PresignAsync(_gateway.Client, "a/b.txt", new { method = "PUT" }));
        url.GetLeftPart(UriPartial.Authority).Should().Be(_gateway.BaseAddress.GetLeftPart(UriPartial.Authority));
        url.AbsolutePath.Should().Be("/a/b.txt");
        url.Query.Should().Contain("action=put").And.Contain("X-R2GW-Signature=").And.Contain("X-R2GW-Expires=");
    }

    [Fact]
    public async Task A_presigned_PUT_refuses_custom_metadata_it_does_not_sign()
    {
        var key = UniqueKey();
        var url = await PresignAsync(_gateway.Client, key, new { method = "PUT" });
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent([1]) };
        request.Headers.Add("x-amz-meta-role", "admin");

        using var response = await _gateway.UrlClient.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "x-amz-meta-role");
        (await new GatewayApi(_gateway.Client).GetBytesAsync(key)).Should().BeNull();
    }

    [Fact]
    public async Task A_refused_presigned_url_is_403_AccessDenied_saying_why()
    {
        var key = UniqueKey();
        await new GatewayApi(_gateway.Client).PutOkAsync(key, [1, 2, 3]);
        var url = await PresignAsync(_gateway.Client, key, new { method = "GET" });

        using var otherKey = await _gateway.UrlClient.GetAsync(url.Replace("/obj?", "/obj2?", StringComparison.Ordinal));
        await otherKey.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", "signature does not match");
        using var later = await _gateway.UrlClient.GetAsync(url.Replace("X-R2GW-Expires=", "X-R2GW-Expires=9", StringComparison.Ordinal));
        await later.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied");
        using var delete = await _gateway.UrlClient.DeleteAsync(url.Replace("action=get", "action=delete", StringComparison.Ordinal));
        await delete.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied");
        (await new GatewayApi(_gateway.Client).GetBytesAsync(key)).Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task An_expired_url_says_when_it_expired()
    {
        var key = UniqueKey();
        await new GatewayApi(_gateway.Client).PutOkAsync(key, [1]);
        var signedAt = _clock.GetUtcNow();
        var url = await PresignAsync(_gateway.Client, key, new { method = "GET", expiresIn = 60 });

        _clock.Advance(TimeSpan.FromSeconds(59));
        (await _gateway.UrlClient.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.OK, "the URL is good until it expires");
        _clock.Advance(TimeSpan.FromSeconds(2));
        var expiredAt = DateTimeOffset.FromUnixTimeSeconds(signedAt.AddSeconds(60).ToUnixTimeSeconds());
        await (await _gateway.UrlClient.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AccessDenied", $"expired at {expiredAt:u}");
    }

    [Fact]
    public async Task The_generated_signing_key_is_readable_by_its_owner_only()
    {
        await PresignAsync(_gateway.Client, "k", new { method = "GET" });
        var key = Path.Combine(_root.Path, "presign.key");
        File.Exists(key).Should().BeTrue();
        new FileInfo(key).Length.Should().Be(32);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(key).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task A_url_signed_by_one_gateway_works_on_another_on_the_same_root()
    {
        using var second = FileSystemGateway.OnRoot(_root.Path);
        var key = UniqueKey();
        var data = RandomBytes(100);
        var url = await PresignAsync(_gateway.Client, key, new { method = "PUT" });
        var onSecond = new UriBuilder(url) { Port = second.BaseAddress.Port }.Uri;

        (await second.UrlClient.PutAsync(onSecond, new ByteArrayContent(data))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await new GatewayApi(_gateway.Client).GetBytesAsync(key)).Should().Equal(data);
    }

    [Fact]
    public async Task A_configured_signing_key_is_used_instead_of_the_file()
    {
        using var root = new TempDir();
        var settings = new Dictionary<string, string?> { ["Presign:SigningKey"] = Convert.ToBase64String(new byte[32]) };
        using var a = FileSystemGateway.OnRoot(root.Path, settings);
        var url = await PresignAsync(a.Client, "k", new { method = "PUT" });
        File.Exists(Path.Combine(root.Path, "presign.key")).Should().BeFalse();
        (await a.UrlClient.PutAsync(url, new ByteArrayContent([1]))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _gateway.UrlClient.PutAsync(new UriBuilder(url) { Port = _gateway.BaseAddress.Port }.Uri, new ByteArrayContent([1])))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden, "another key signs differently");
    }
}
