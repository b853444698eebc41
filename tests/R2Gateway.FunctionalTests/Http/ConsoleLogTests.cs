using System.Net;
using System.Text.Json;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Http;

/// <summary>What a Production gateway writes to its console (BufferedConsoleSink): one compact JSON object
/// (CLEF) per line, written while the gateway runs, not only when it stops.</summary>
public sealed class ConsoleLogTests : IDisposable
{
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task An_idle_production_gateway_writes_each_request_line_at_once_as_one_JSON_object_with_its_trace_id()
    {
        using var gateway = await GatewayProcess.StartAsync($"--Storage:FileSystem:Root={_root.Path}", "--Auth:AllowAnonymous=true");
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        var key = $"console/{Guid.NewGuid():N}";
        (await client.PutAsync(Url(key, "put", "secret-looking=sig-0123456789"), new ByteArrayContent(new byte[64]))).StatusCode.Should().Be(HttpStatusCode.OK);

        // The process keeps running: the line must come out of the buffer within its flush delay.
        await Eventually.Until(() => Task.FromResult(gateway.Log.Contains($"PUT {key} action=put -> 200", StringComparison.Ordinal)),
            because: "the request's line reached stdout while the gateway runs");

        var lines = gateway.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var request = events.Single(e => e.GetProperty("@m").GetString()!.StartsWith($"PUT {key} action=put -> 200", StringComparison.Ordinal));
        request.GetProperty("@tr").GetString().Should().MatchRegex("^[0-9a-f]{32}$");
        request.GetProperty("@t").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        gateway.Log.Should().NotContain("sig-0123456789", "the query string is never logged");
    }
}
