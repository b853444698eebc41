using System.Net;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>Faults any store must survive: dropped clients and readers racing a complete.</summary>
public abstract partial class ContractTests
{
    /// <summary>Sends the head of a part upload and a first slice of its body, then drops the connection.</summary>
    protected Task DropMidPartAsync(string key, string uploadId, int partNumber, int declaredLength, int sentLength) =>
        DropMidRequestAsync(Url(key, "mpu-uploadpart", $"uploadId={uploadId}&partNumber={partNumber}"), declaredLength, sentLength);

    /// <summary>Sends a PUT's head and part of its body, waits until the server is handling it, drops the
    /// connection, and waits until the server has finished with it.</summary>
    private async Task DropMidRequestAsync(string url, int declaredLength, int sentLength)
    {
        var server = gateway.Signals;
        using (var request = await PartialRequest.StartAsync(Http, "PUT", url, declaredLength, sentLength))
        {
            await server.UntilActiveRequests(n => n >= 1, "the server is reading the body");
            request.Reset();
        }

        await server.UntilActiveRequests(n => n == 0, "the server has finished with the dropped request");
    }

    [Fact]
    public async Task A_client_that_drops_mid_part_leaves_no_part_and_a_retry_succeeds()
    {
        var key = UniqueKey();
        var uploadId = await Api.CreateAsync(key);

        await DropMidPartAsync(key, uploadId, 1, 8 * MiB, MiB);

        (await Api.ListPartsAsync(key, uploadId))["parts"]!.AsArray().Should().BeEmpty();
        (await Http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        var data = RandomBytes(6 * MiB);
        var etag = await Api.UploadPartOkAsync(key, uploadId, 1, data);
        (await Api.CompleteAsync(key, uploadId, [(1, etag)])).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.GetBytesAsync(key)).Should().Equal(data);
    }

    [Fact]
    public async Task A_client_that_drops_mid_put_leaves_the_old_object()
    {
        var key = UniqueKey();
        var original = RandomBytes(1000);
        await Api.PutOkAsync(key, original);

        await DropMidRequestAsync(Url(key, "put"), 4 * MiB, MiB);
        (await Api.GetBytesAsync(key)).Should().Equal(original);
    }

    [Fact]
    public async Task An_object_being_completed_is_never_visible_half_written()
    {
        var key = UniqueKey();
        var old = RandomBytes(MiB);
        await Api.PutOkAsync(key, old);
        var data = RandomBytes(24 * MiB);
        var uploadId = await Api.CreateAsync(key);
        var parts = new List<(int, string)>();
        for (var n = 0; n < 3; n++)
        {
            parts.Add((n + 1, await Api.UploadPartOkAsync(key, uploadId, n + 1, data[(n * 8 * MiB)..((n + 1) * 8 * MiB)])));
        }

        var oldMd5 = Md5Hex(old);
        var newMd5 = Md5Hex(data);
        var complete = Api.CompleteAsync(key, uploadId, parts);
        var reads = 0;
        do
        {
            var seen = Md5Hex((await Api.GetBytesAsync(key))!);
            seen.Should().BeOneOf([oldMd5, newMd5], "a reader sees the old object or the whole new one, nothing between");
            reads++;
        }
        while (!complete.IsCompleted);

        (await complete).StatusCode.Should().Be(HttpStatusCode.OK);
        Md5Hex((await Api.GetBytesAsync(key))!).Should().Be(newMd5);
        reads.Should().BePositive();
    }
}
