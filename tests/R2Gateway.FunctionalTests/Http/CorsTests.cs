using System.Net;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Http;

/// <summary>CORS from configuration: allowed origins get preflight answers and may read ETag.</summary>
public sealed class CorsTests : IDisposable
{
    private const string Allowed = "http://127.0.0.1:5555";
    private readonly TempDir _root = new();
    private readonly FileSystemGateway _gateway;

    public CorsTests() => _gateway = FileSystemGateway.OnRoot(_root.Path, new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = Allowed });

    public void Dispose()
    {
        _gateway.Dispose();
        _root.Dispose();
    }

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/k?action=mpu-uploadpart&uploadId=x&partNumber=1")
    {
        Headers = { { "Origin", origin }, { "Access-Control-Request-Method", "PUT" }, { "Access-Control-Request-Headers", "content-type" } },
    };

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered()
    {
        using var response = await _gateway.Client.SendAsync(Preflight(Allowed));
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(Allowed);
        response.Headers.GetValues("Access-Control-Allow-Methods").Single().Should().Contain("PUT");
    }

    [Fact]
    public async Task A_preflight_from_another_origin_gets_no_permission()
    {
        using var response = await _gateway.Client.SendAsync(Preflight("http://evil.example"));
        response.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task An_allowed_origin_may_read_the_etag()
    {
        await new GatewayApi(_gateway.Client).PutOkAsync("k", [1]);
        using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/k?action=get") { Headers = { { "Origin", Allowed } } });
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(Allowed);
        response.Headers.GetValues("Access-Control-Expose-Headers").Single().Should().Contain("ETag");
    }
}
