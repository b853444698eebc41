using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Oracle;

/// <summary>What a step's answers must share on both sides, beyond the status class.</summary>
[Flags]
public enum Same
{
    StatusClass = 0,

    /// <summary>The <c>etag</c> header (a completed object's or a read's).</summary>
    ETag = 1,

    /// <summary>The body's bytes (an object read).</summary>
    Body = 2,

    /// <summary>The part answer's <c>partNumber</c> (part etags differ by design, see docs/contract.md).</summary>
    PartNumber = 4,
}

/// <summary>A deliberate difference listed in docs/contract.md: the exact status each side must answer.</summary>
public sealed record Deviation(int Worker, int Gateway, string Reason);

public sealed record Answer(string Label, string Request, int Status, string? ETag, byte[] Body, string? ContentType, Same Same, Deviation? Deviation)
{
    public string BodyText => Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 200)));

    public override string ToString() =>
        $"{Label}: {Request} -> {Status}{(ETag is null ? "" : " etag " + ETag)} {(Body.Length > 200 ? $"[{Body.Length} bytes]" : BodyText)}";
}

/// <summary>One server under comparison (the Worker or the gateway): sends a sequence's requests
/// and records every answer. A sequence runs once per side, with that side's uploadIds and etags.</summary>
public sealed class Side(string name, HttpClient http)
{
    public string Name => name;

    public bool IsGateway => name == "gateway";

    public List<Answer> Answers { get; } = [];

    public async Task<Answer> SendAsync(string label, HttpMethod method, string target, HttpContent? content = null,
        Same same = Same.StatusClass, Deviation? deviation = null, Action<HttpRequestMessage>? configure = null)
    {
        // Sent byte for byte as written (no dot-segment or escape clean-up), so both sides get the same request.
        var uri = new Uri(http.BaseAddress + target.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        configure?.Invoke(request);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            throw new HttpRequestException($"{name}: {label}: {method} {target} failed: {e.Message}", e);
        }

        using var _ = response;
        var body = await response.Content.ReadAsByteArrayAsync();
        var etag = response.Headers.TryGetValues("ETag", out var values) ? values.First() : null;
        var step = new Answer(label, $"{method} {target}", (int)response.StatusCode, etag, body,
            response.Content.Headers.ContentType?.MediaType, same, deviation);
        Answers.Add(step);
        return step;
    }

    public async Task<string> CreateAsync(string path, Deviation? deviation = null)
    {
        var step = await SendAsync("create", HttpMethod.Post, $"{path}?action=mpu-create", deviation: deviation);
        return step.Status == 200 ? JsonNode.Parse(step.Body)!["uploadId"]!.GetValue<string>() : "no-upload";
    }

    /// <summary>Uploads a part; returns its etag as this side answered it ("" when refused).</summary>
    public async Task<string> PartAsync(string path, string uploadId, string partNumber, byte[] data,
        Deviation? deviation = null, Action<HttpRequestMessage>? configure = null)
    {
        var step = await SendAsync($"part {partNumber}", HttpMethod.Put,
            $"{path}?action=mpu-uploadpart&uploadId={Uri.EscapeDataString(uploadId)}&partNumber={Uri.EscapeDataString(partNumber)}",
            new ByteArrayContent(data), Same.PartNumber, deviation, configure);
        return step.Status == 200 ? JsonNode.Parse(step.Body)!["etag"]!.GetValue<string>() : "";
    }

    public Task<string> PartAsync(string path, string uploadId, int partNumber, byte[] data, Deviation? deviation = null) =>
        PartAsync(path, uploadId, partNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), data, deviation);

    public Task<Answer> CompleteAsync(string path, string uploadId, IEnumerable<(int PartNumber, string ETag)> parts, Deviation? deviation = null) =>
        CompleteRawAsync(path, uploadId, JsonSerializer.Serialize(new { parts = parts.Select(p => new { partNumber = p.PartNumber, etag = p.ETag }) }), deviation);

    public Task<Answer> CompleteRawAsync(string path, string uploadId, string? body, Deviation? deviation = null) =>
        SendAsync("complete", HttpMethod.Post, $"{path}?action=mpu-complete&uploadId={Uri.EscapeDataString(uploadId)}",
            body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"), Same.ETag, deviation);

    public Task<Answer> AbortAsync(string path, string uploadId, Deviation? deviation = null) =>
        SendAsync("abort", HttpMethod.Delete, $"{path}?action=mpu-abort&uploadId={Uri.EscapeDataString(uploadId)}", deviation: deviation);

    public Task<Answer> GetAsync(string path, Deviation? deviation = null) =>
        SendAsync("get", HttpMethod.Get, $"{path}?action=get", same: Same.ETag | Same.Body, deviation: deviation);

    public Task<Answer> DeleteAsync(string path) =>
        SendAsync("delete", HttpMethod.Delete, $"{path}?action=delete");

    /// <summary>Uploads <paramref name="parts"/> as parts 1..N and completes them in order.</summary>
    public async Task<Answer> UploadAsync(string path, params byte[][] parts)
    {
        var uploadId = await CreateAsync(path);
        var etags = new List<(int, string)>();
        for (var i = 0; i < parts.Length; i++)
        {
            etags.Add((i + 1, await PartAsync(path, uploadId, i + 1, parts[i])));
        }

        return await CompleteAsync(path, uploadId, etags);
    }
}

/// <summary>The Worker in Miniflare and a gateway on the filesystem store, side by side.</summary>
public sealed class DifferentialFixture : IDisposable
{
    public OracleWorker Worker { get; } = new();

    public FileSystemGateway Gateway { get; } = new();

    private readonly HttpClient _workerClient;

    public DifferentialFixture()
    {
        // workerd resets a connection whose request body the Worker did not read (it answers
        // "Missing uploadId" first); a fresh connection per request keeps that from failing the next one.
        _workerClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = Worker.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>Runs <paramref name="sequence"/> against the Worker, then the gateway, and checks that
    /// every step agrees: status class, and etag and body where the step says so; a step marked as
    /// a <see cref="Deviation"/> must answer exactly the statuses it lists on each side.</summary>
    public async Task ShouldAgreeAsync(Func<Side, Task> sequence)
    {
        var worker = new Side("worker", _workerClient);
        var gateway = new Side("gateway", Gateway.Client);
        await sequence(worker);
        await sequence(gateway);

        var transcript = "\nworker:\n  " + string.Join("\n  ", worker.Answers) + "\ngateway:\n  " + string.Join("\n  ", gateway.Answers)
            + (worker.Answers.Any(s => s.Status >= 500) ? "\nMiniflare's stderr:\n" + Worker.Errors : "");
        gateway.Answers.Count.Should().Be(worker.Answers.Count, transcript);
        for (var i = 0; i < worker.Answers.Count; i++)
        {
            var (w, g) = (worker.Answers[i], gateway.Answers[i]);
            var because = $"step {i + 1} ({w.Label}) {transcript}";
            g.Status.Should().BeLessThan(500, "the gateway never answers 5xx to a client's mistake; " + because);
            if (g.Status >= 400)
            {
                g.ContentType.Should().Be("application/problem+json", "gateway errors are problem+json; " + because);
            }

            if (w.Deviation is { } deviation)
            {
                w.Status.Should().Be(deviation.Worker, $"the Worker's side of a deviation ({deviation.Reason}); {because}");
                g.Status.Should().Be(deviation.Gateway, $"the gateway's side of a deviation ({deviation.Reason}); {because}");
                continue;
            }

            (g.Status / 100).Should().Be(w.Status / 100, "the status class agrees; " + because);
            if (w.Status is < 200 or >= 300)
            {
                continue;
            }

            if (w.Same.HasFlag(Same.ETag))
            {
                g.ETag.Should().NotBeNull(because).And.Be(w.ETag, "the etag agrees; " + because);
            }

            if (w.Same.HasFlag(Same.Body))
            {
                g.Body.AsSpan().SequenceEqual(w.Body).Should().BeTrue($"the bodies agree ({g.Body.Length} and {w.Body.Length} bytes); {because}");
            }

            if (w.Same.HasFlag(Same.PartNumber))
            {
                var (wp, gp) = (JsonNode.Parse(w.Body)!, JsonNode.Parse(g.Body)!);
                gp["partNumber"]!.GetValue<int>().Should().Be(wp["partNumber"]!.GetValue<int>(), because);
                gp["etag"]!.GetValue<string>().Should().NotBeNullOrEmpty(because);
            }
        }
    }

    public void Dispose()
    {
        _workerClient.Dispose();
        Gateway.Dispose();
        Worker.Dispose();
    }
}
