using System.Net;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using R2Gateway.FunctionalTests.Security;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Http;

/// <summary>The request log (Serilog.AspNetCore's request logging): one line per request with method,
/// key, action, status, bytes and milliseconds, the trace id, and never the query string.</summary>
public sealed class RequestLogTests : IDisposable
{
    private readonly CapturedLogs _logs = new();
    private readonly FileSystemGateway _gateway;

    public RequestLogTests() =>
        _gateway = FileSystemGateway.OnRoot(_root.Path, null, services => services.AddSingleton<Serilog.Core.ILogEventSink>(_logs));

    private readonly TempDir _root = new();

    public void Dispose()
    {
        _gateway.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task A_put_and_a_get_each_write_one_line_with_key_action_status_and_bytes_but_not_the_query()
    {
        var key = $"logged/{Guid.NewGuid():N}";
        (await _gateway.Client.PutAsync(Url(key, "put", "secret-looking=sig-0123456789"), new ByteArrayContent(new byte[1234]))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _gateway.Client.GetAsync(Url(key, "get"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _gateway.Client.GetAsync(Url(key + "-missing", "get"))).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var lines = _logs.Text.Split('\n');
        lines.Should().ContainSingle(l => l.StartsWith($"PUT {key} action=put -> 200 in=1234 out=", StringComparison.Ordinal) && l.EndsWith(" ms", StringComparison.Ordinal), "the log was:\n{0}", _logs.Text);
        lines.Should().ContainSingle(l => l.StartsWith($"GET {key} action=get -> 200 in=0 out=1234 ", StringComparison.Ordinal));
        lines.Should().ContainSingle(l => l.StartsWith($"GET {key}-missing action=get -> 404 ", StringComparison.Ordinal));
        lines.Should().ContainSingle(l => l.StartsWith($"audit token=(anonymous) action=put key={key} bytes=1234 status=200", StringComparison.Ordinal));
        _logs.Text.Should().NotContain("secret-looking").And.NotContain("sig-0123456789");

        var put = _logs.Events.Single(e => e.Properties.TryGetValue("Action", out var a) && a.ToString() == "\"put\"" && e.Properties.ContainsKey("Elapsed"));
        put.Properties["Key"].ToString().Should().Be($"\"{key}\"");
        put.Properties["StatusCode"].ToString().Should().Be("200");
        put.Properties["BytesIn"].ToString().Should().Be("1234");
        put.Properties["RequestPath"].ToString().Should().NotContain("?");
        put.TraceId.Should().NotBeNull("log lines carry the request's trace id");
    }
}
