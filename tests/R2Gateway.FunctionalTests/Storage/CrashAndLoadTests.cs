using System.Net;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Storage;

/// <summary>The gateway as a separate process: killed with SIGKILL during a complete, and under a
/// load of 200 concurrent part uploads.</summary>
public sealed class CrashAndLoadTests : IDisposable
{
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    private string RootArg => $"--Storage:FileSystem:Root={_root.Path}";

    [Fact]
    public async Task A_gateway_killed_during_a_complete_leaves_the_old_or_the_new_object_whole_and_the_upload_completable()
    {
        var old = RandomBytes(1000);
        var data = RandomBytes(3 * 32 * MiB);
        string uploadId;
        List<(int, string)> parts = [];
        using (var first = await GatewayProcess.StartAsync(RootArg))
        {
            var api = new GatewayApi(new HttpClient { BaseAddress = first.BaseAddress });
            await api.PutOkAsync("crash/object", old);
            uploadId = await api.CreateAsync("crash/object");
            for (var n = 0; n < 3; n++)
            {
                parts.Add((n + 1, await api.UploadPartOkAsync("crash/object", uploadId, n + 1, data[(n * 32 * MiB)..((n + 1) * 32 * MiB)])));
            }

            // Complete copies nothing now, so it takes milliseconds: kill somewhere in or just after it.
            // Each crash point is also set up exactly in ManifestCompleteTests.
            var complete = api.CompleteAsync("crash/object", uploadId, parts);
            await Task.Delay(Random.Shared.Next(0, 4)); // a random kill point is the test, not a wait for something
            first.KillHard();
            try
            {
                (await complete).Dispose();
            }
            catch (HttpRequestException)
            {
            }
        }

        using var second = await GatewayProcess.StartAsync(RootArg);
        var after = new GatewayApi(new HttpClient { BaseAddress = second.BaseAddress });
        var seen = Md5Hex((await after.GetBytesAsync("crash/object"))!);
        seen.Should().BeOneOf([Md5Hex(old), Md5Hex(data)], "a killed complete leaves the old or the new object whole");
        using var retried = await after.CompleteAsync("crash/object", uploadId, parts);
        retried.StatusCode.Should().Be(seen == Md5Hex(old) ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        Md5Hex((await after.GetBytesAsync("crash/object"))!).Should().Be(Md5Hex(data));
    }

    [Fact]
    public async Task Two_hundred_concurrent_part_uploads_all_succeed_with_bounded_memory()
    {
        using var gateway = await GatewayProcess.StartAsync(RootArg, "--Limits:ConcurrentUploadsPerToken=0", "--Storage:FileSystem:Fsync=false");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        var api = new GatewayApi(http);
        var uploadId = await api.CreateAsync("load/object");
        var part = RandomBytes(5 * MiB);
        var rssBefore = gateway.PeakRssMiB;

        var started = DateTime.UtcNow;
        var results = await Task.WhenAll(Enumerable.Range(1, 200).Select(async n =>
        {
            using var response = await api.UploadPartAsync("load/object", uploadId, n, part);
            return response.StatusCode;
        }));
        var elapsed = DateTime.UtcNow - started;

        results.Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.OK));
        var listed = await api.ListPartsAsync("load/object", uploadId, "maxParts=1000");
        listed["parts"]!.AsArray().Should().HaveCount(200);
        var peak = gateway.PeakRssMiB;
        Console.WriteLine($"200 concurrent 5 MiB parts: {elapsed.TotalSeconds:0.0} s, {1000 / elapsed.TotalSeconds:0} MiB/s, gateway peak RSS {peak} MiB (at start {rssBefore} MiB)");
        peak.Should().BeLessThan(512, "bodies stream to disk: 200 parts in flight (1000 MiB) must not mean 200 parts in memory");
        gateway.Log.Should().NotContain("\"Level\":\"Error\"").And.NotContain("\"Level\":\"Fatal\"");
    }
}
