using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using R2Gateway.FunctionalTests.Security;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Storage;

/// <summary>What only the filesystem store can be asked: what it leaves on disk, and several
/// gateway processes sharing one root.</summary>
public sealed class FileSystemStoreTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly List<FileSystemGateway> _gateways = [];

    private FileSystemGateway Start(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var gateway = FileSystemGateway.OnRoot(_root.Path, settings, services);
        _gateways.Add(gateway);
        return gateway;
    }

    public void Dispose()
    {
        foreach (var gateway in _gateways)
        {
            gateway.Dispose();
        }

        _root.Dispose();
    }

    [Fact]
    public async Task A_dropped_part_upload_leaves_no_temp_file_behind()
    {
        var api = new GatewayApi(Start().Client);
        var key = UniqueKey();
        var uploadId = await api.CreateAsync(key);
        using (var request = await PartialRequest.StartAsync(api.Http, "PUT", Url(key, "mpu-uploadpart", $"uploadId={uploadId}&partNumber=1"), 8 * MiB, 2 * MiB))
        {
            await Eventually.Until(() => Directory.EnumerateFiles(Path.Combine(_root.Path, "tmp")).Any(), because: "the part is being written to a temp file");
            request.Reset();
        }

        await Eventually.Until(() => !Directory.EnumerateFiles(Path.Combine(_root.Path, "tmp")).Any(), because: "the temp file of a dropped part is deleted");
        Directory.EnumerateFiles(Path.Combine(_root.Path, "uploads", uploadId), "*.part").Should().BeEmpty();
    }

    [Theory]
    [InlineData("//double//slash")]
    [InlineData("/leading")]
    [InlineData("x///y//")]
    public async Task Keys_with_empty_path_segments_round_trip(string key)
    {
        var api = new GatewayApi(Start().Client);
        var data = RandomBytes(10);
        (await api.Http.PutAsync(PathOf(key, encodeSlashes: true) + "?action=put", new ByteArrayContent(data))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await (await api.Http.GetAsync(PathOf(key, encodeSlashes: true) + "?action=get")).Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task Nothing_is_written_outside_the_root_whatever_the_key()
    {
        var parent = Path.Combine(_root.Path, "parent");
        var root = Path.Combine(parent, "root");
        Directory.CreateDirectory(root);
        using var gateway = FileSystemGateway.OnRoot(root);
        var api = new GatewayApi(gateway.Client);
        foreach (var key in new[] { "../escape", "../../escape", "..\\escape", "/etc/escape", "a/../../../escape", "%2e%2e/escape" })
        {
            using var put = await api.Http.PutAsync(PathOf(key, encodeSlashes: true) + "?action=put", new ByteArrayContent([1, 2, 3]));
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        Directory.EnumerateFileSystemEntries(parent).Should().Equal(root);
        // SQLite's -wal and -shm files come and go with its connections; presign.key is made on first presign.
        Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName).Except(["index.db-wal", "index.db-shm"])
            .Should().BeEquivalentTo(["objects", "uploads", "parts", "tmp", "locks", "trash", "index.db", "keys"]);
    }

    [Fact]
    public async Task Two_gateways_on_one_root_share_uploads_and_objects()
    {
        var a = new GatewayApi(Start().Client);
        var b = new GatewayApi(Start().Client);
        var key = UniqueKey();
        var part1 = RandomBytes(5 * MiB);
        var part2 = RandomBytes(777);

        var uploadId = await a.CreateAsync(key);
        var e1 = await a.UploadPartOkAsync(key, uploadId, 1, part1);
        var e2 = await b.UploadPartOkAsync(key, uploadId, 2, part2);
        (await b.ListPartsAsync(key, uploadId))["parts"]!.AsArray().Should().HaveCount(2);
        using var complete = await b.CompleteAsync(key, uploadId, [(1, e1), (2, e2)]);

        complete.StatusCode.Should().Be(HttpStatusCode.OK);
        (await a.GetBytesAsync(key)).Should().Equal([.. part1, .. part2]);
    }

    [Fact]
    public async Task Two_gateways_completing_the_same_upload_give_one_winner_and_one_clean_error()
    {
        var a = new GatewayApi(Start().Client);
        var b = new GatewayApi(Start().Client);
        var key = UniqueKey();
        var data = RandomBytes(16 * MiB);
        var uploadId = await a.CreateAsync(key);
        var e1 = await a.UploadPartOkAsync(key, uploadId, 1, data[..(8 * MiB)]);
        var e2 = await a.UploadPartOkAsync(key, uploadId, 2, data[(8 * MiB)..]);

        var results = await Task.WhenAll(a.CompleteAsync(key, uploadId, [(1, e1), (2, e2)]), b.CompleteAsync(key, uploadId, [(1, e1), (2, e2)]));

        results.Count(r => r.StatusCode == HttpStatusCode.OK).Should().Be(1);
        var loser = results.Single(r => r.StatusCode != HttpStatusCode.OK);
        loser.StatusCode.Should().BeOneOf(HttpStatusCode.Conflict, HttpStatusCode.NotFound);
        await loser.ShouldBeProblemAsync(loser.StatusCode);
        (await b.GetBytesAsync(key)).Should().Equal(data);
    }

    [Fact]
    public async Task Uploads_older_than_the_limit_are_swept()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs();
        var api = new GatewayApi(Start(
            new Dictionary<string, string?>
            {
                ["Storage:AbortIncompleteUploadsAfter"] = "01:00:00",
                ["Storage:FileSystem:SweepInterval"] = "00:10:00",
            },
            services => services.AddSingleton<TimeProvider>(clock).AddSingleton<Serilog.Core.ILogEventSink>(logs)).Client);
        var old = UniqueKey();
        var oldId = await api.CreateAsync(old);
        await api.UploadPartOkAsync(old, oldId, 1, RandomBytes(10));
        clock.Advance(TimeSpan.FromMinutes(40));
        var young = UniqueKey();
        var youngId = await api.CreateAsync(young);

        clock.Advance(TimeSpan.FromMinutes(30)); // the first upload is 70 min old, the second 30
        await Eventually.Until(() => logs.Text.Contains("Aborted 1 multipart uploads", StringComparison.Ordinal), because: "a sweep aborted the old upload alone");

        (await api.Http.GetAsync(Url(old, "mpu-listparts", $"uploadId={oldId}"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        Directory.Exists(Path.Combine(_root.Path, "uploads", oldId)).Should().BeFalse();
        (await api.Http.GetAsync(Url(young, "mpu-listparts", $"uploadId={youngId}"))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Readyz_reports_unhealthy_when_the_root_is_not_writable()
    {
        var gateway = Start();
        (await gateway.Client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        Directory.Delete(Path.Combine(_root.Path, "tmp"), recursive: true);
        File.WriteAllText(Path.Combine(_root.Path, "tmp"), "not a directory");

        (await gateway.Client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await gateway.Client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "alive, but not ready");
    }
}
