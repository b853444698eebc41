namespace R2Gateway.FunctionalTests.Oracle;

/// <summary>Abort: idempotent, as on R2.</summary>
public sealed partial class OracleTests
{
    [Fact]
    public Task Abort_twice_is_204_both_times_and_the_upload_is_gone()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.AbortAsync(path, id);
            await side.AbortAsync(path, id);
            await side.PartAsync(path, id, 2, Tiny);
            await side.CompleteAsync(path, id, [(1, one)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Abort_after_complete_is_204_and_the_object_stays()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(1, one), (2, two)]);
            await side.AbortAsync(path, id);
            await side.AbortAsync(path, id);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Abort_of_an_upload_without_parts_is_204()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.AbortAsync(path, id);
            await side.CompleteAsync(path, id, [(1, "0123456789abcdef0123456789abcdef")]);
        });
    }

    [Fact]
    public Task Abort_leaves_other_uploads_of_the_key_and_the_object_alone()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, Small);
            var doomed = await side.CreateAsync(path);
            var kept = await side.CreateAsync(path);
            await side.PartAsync(path, doomed, 1, Tiny);
            var one = await side.PartAsync(path, kept, 1, Tiny);
            await side.AbortAsync(path, doomed);
            await side.GetAsync(path);
            await side.CompleteAsync(path, kept, [(1, one)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Abort_of_an_unknown_upload_deviates()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.AbortAsync(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                new Deviation(400, 204, "a stateless gateway cannot tell an unknown upload from a finished one; abort is 204 for both"));
        });
    }

    [Fact]
    public Task Abort_with_the_uploadId_of_another_key_deviates_and_leaves_the_upload_alone()
    {
        var path = NewPath();
        var other = NewPath("other");
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.AbortAsync(other, id,
                new Deviation(400, 204, "an uploadId of another key is no upload of this key: 204, nothing aborted"));
            await side.CompleteAsync(path, id, [(1, one)]);
            await side.GetAsync(path);
        });
    }
}
