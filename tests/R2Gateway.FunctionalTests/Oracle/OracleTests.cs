using System.Security.Cryptography;

namespace R2Gateway.FunctionalTests.Oracle;

/// <summary>
/// The differential suite: each test is a request sequence sent to Cloudflare's Worker example
/// running on R2's simulator (Miniflare) and to the gateway on the filesystem store; the answers
/// must agree (status class, etags, bodies), except for the deviations docs/contract.md lists,
/// which are asserted exactly on both sides.
/// </summary>
[Trait("Needs", "Oracle")]
public sealed partial class OracleTests(DifferentialFixture oracle) : IClassFixture<DifferentialFixture>
{
    private const int MiB = 1024 * 1024;

    // Generated once: R2's 5 MiB minimum for non-last parts makes these the smallest useful parts.
    private static readonly byte[] PartA = RandomNumberGenerator.GetBytes(5 * MiB);
    private static readonly byte[] PartB = RandomNumberGenerator.GetBytes(5 * MiB);
    private static readonly byte[] PartAPlus = [.. PartA, .. RandomNumberGenerator.GetBytes(1024)];
    private static readonly byte[] Small = RandomNumberGenerator.GetBytes(1024);
    private static readonly byte[] Tiny = RandomNumberGenerator.GetBytes(10);

    private static string NewPath(string name = "obj") => $"/oracle/{Guid.NewGuid():N}/{name}";

    private Task ShouldAgreeAsync(Func<Side, Task> sequence) => oracle.ShouldAgreeAsync(sequence);

    // ---- uploads that succeed ----

    [Fact]
    public Task Two_full_parts_and_a_small_last_part_complete_to_the_same_etag_and_bytes()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, PartA, PartB, Small);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task A_single_small_part_is_a_whole_upload()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, Tiny);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Two_equal_parts_of_exactly_5_MiB_complete()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, PartA, PartB);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Uploading_a_part_number_again_replaces_it()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.PartAsync(path, id, 1, Small);
            var second = await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteAsync(path, id, [(1, second)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task A_list_may_skip_part_numbers()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            await side.PartAsync(path, id, 2, PartB);
            var three = await side.PartAsync(path, id, 3, Small);
            await side.CompleteAsync(path, id, [(1, one), (3, three)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task A_list_out_of_order_with_equal_parts_completes_in_part_number_order()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, PartB);
            await side.CompleteAsync(path, id, [(2, two), (1, one)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Part_numbers_1_and_10000_are_the_edges_and_complete_together()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var first = await side.PartAsync(path, id, 1, PartA);
            var last = await side.PartAsync(path, id, 10000, Small);
            await side.CompleteAsync(path, id, [(1, first), (10000, last)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Part_numbers_0_and_10001_and_negative_are_refused_and_the_upload_goes_on()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.PartAsync(path, id, 0, Tiny);
            await side.PartAsync(path, id, 10001, Tiny);
            await side.PartAsync(path, id, -1, Tiny);
            await side.PartAsync(path, id, "abc", Tiny);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteAsync(path, id, [(1, one)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task A_second_upload_of_a_key_replaces_the_object()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, PartA, Small);
            await side.UploadAsync(path, Tiny);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Of_two_uploads_of_one_key_the_last_completed_wins()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var first = await side.CreateAsync(path);
            var second = await side.CreateAsync(path);
            var p1 = await side.PartAsync(path, first, 1, Small);
            var p2 = await side.PartAsync(path, second, 1, Tiny);
            await side.CompleteAsync(path, second, [(1, p2)]);
            await side.GetAsync(path);
            await side.CompleteAsync(path, first, [(1, p1)]);
            await side.GetAsync(path);
        });
    }

    // ---- get and delete ----

    [Fact]
    public Task Get_of_a_missing_key_is_404_and_delete_of_it_is_204()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.GetAsync(path);
            await side.DeleteAsync(path);
            await side.DeleteAsync(path);
        });
    }

    [Fact]
    public Task A_deleted_object_is_gone_and_its_key_can_be_uploaded_again()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, PartA, Small);
            await side.DeleteAsync(path);
            await side.GetAsync(path);
            await side.UploadAsync(path, Tiny);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task An_upload_in_progress_is_not_an_object()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.PartAsync(path, id, 1, Tiny);
            await side.GetAsync(path);
        });
    }

    // ---- the routing rules the Worker and the contract share ----

    [Fact]
    public Task Missing_and_unknown_actions_and_methods_are_refused_alike()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.SendAsync("no action", HttpMethod.Get, path);
            await side.SendAsync("unknown GET action", HttpMethod.Get, $"{path}?action=nope");
            await side.SendAsync("unknown POST action", HttpMethod.Post, $"{path}?action=get");
            await side.SendAsync("unknown PUT action", HttpMethod.Put, $"{path}?action=mpu-create", new ByteArrayContent(Tiny));
            await side.SendAsync("unknown DELETE action", HttpMethod.Delete, $"{path}?action=get");
            await side.SendAsync("PATCH", HttpMethod.Patch, $"{path}?action=get", new ByteArrayContent(Tiny));
        });
    }

    [Fact]
    public Task Missing_uploadId_or_partNumber_is_400()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.SendAsync("part without partNumber", HttpMethod.Put, $"{path}?action=mpu-uploadpart&uploadId={Uri.EscapeDataString(id)}", new ByteArrayContent(Tiny));
            await side.SendAsync("part without uploadId", HttpMethod.Put, $"{path}?action=mpu-uploadpart&partNumber=1", new ByteArrayContent(Tiny));
            await side.SendAsync("complete without uploadId", HttpMethod.Post, $"{path}?action=mpu-complete", new StringContent("{\"parts\":[]}"));
            await side.SendAsync("abort without uploadId", HttpMethod.Delete, $"{path}?action=mpu-abort");
            await side.AbortAsync(path, id);
        });
    }
}
