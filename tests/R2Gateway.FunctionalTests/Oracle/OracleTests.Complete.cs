namespace R2Gateway.FunctionalTests.Oracle;

/// <summary>Complete with every kind of bad part list, and with unknown or finished uploads.</summary>
public sealed partial class OracleTests
{
    /// <summary>Changes an etag as a client bug would: same length, one character different.</summary>
    private static string Mangle(string etag) => etag[..^1] + (etag[^1] == 'a' ? 'b' : 'a');

    [Fact]
    public Task Complete_naming_a_part_never_uploaded_is_4xx_and_the_upload_can_still_complete()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            await side.CompleteAsync(path, id, [(1, one), (2, one)]);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(1, one), (2, two)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Complete_with_a_wrong_etag_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(1, one), (2, Mangle(two))]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Complete_with_the_etags_of_two_parts_swapped_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(1, two), (2, one)]);
        });
    }

    [Fact]
    public Task Complete_with_the_etag_a_replaced_part_had_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var old = await side.PartAsync(path, id, 1, Small);
            await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteAsync(path, id, [(1, old)]);
        });
    }

    [Fact]
    public Task Complete_with_the_etag_of_a_part_of_another_upload_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var first = await side.CreateAsync(path);
            var second = await side.CreateAsync(path);
            var theirs = await side.PartAsync(path, first, 1, Tiny);
            await side.CompleteAsync(path, second, [(1, theirs)]);
        });
    }

    [Fact]
    public Task Complete_listing_a_part_twice_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(1, one), (2, two), (2, two)]);
            await side.CompleteAsync(path, id, [(1, one), (1, one)]);
        });
    }

    [Fact]
    public Task Complete_with_a_small_part_before_the_last_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Small);
            var two = await side.PartAsync(path, id, 2, PartA);
            await side.CompleteAsync(path, id, [(1, one), (2, two)]);
        });
    }

    [Fact]
    public Task Complete_with_parts_before_the_last_of_unequal_sizes_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, PartAPlus);
            var three = await side.PartAsync(path, id, 3, Small);
            await side.CompleteAsync(path, id, [(1, one), (2, two), (3, three)]);
        });
    }

    /// <summary>R2's rule that the store rewrite (branch storev2) implements: the last part may not be larger than the others.</summary>
    [Fact]
    public Task Complete_with_a_last_part_larger_than_the_others_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, PartAPlus);
            await side.CompleteAsync(path, id, [(1, one), (2, two)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Complete_with_a_part_number_out_of_range_in_the_list_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteAsync(path, id, [(0, one)]);
            await side.CompleteAsync(path, id, [(10001, one)]);
            await side.CompleteAsync(path, id, [(1, one)]);
        });
    }

    [Fact]
    public Task Complete_with_a_list_naming_the_small_last_part_first_deviates()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(2, two), (1, one)],
                new Deviation(400, 200, "the gateway applies the size rules in part-number order, whatever the list's order"));
            await side.GetAsync(path, new Deviation(404, 200, "the gateway completed it"));
        });
    }

    [Fact]
    public Task Complete_with_an_empty_part_list_deviates()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteRawAsync(path, id, "{\"parts\": []}",
                new Deviation(200, 400, "an empty part list is refused; the simulator makes an empty object of it"));
            await side.GetAsync(path, new Deviation(200, 404, "nothing was completed on the gateway"));
        });
    }

    [Fact]
    public Task Complete_with_quoted_etags_deviates()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteAsync(path, id, [(1, $"\"{one}\"")],
                new Deviation(400, 200, "the gateway accepts etags quoted as S3 clients send them"));
        });
    }

    [Fact]
    public Task Complete_with_a_malformed_body_is_400_and_the_upload_goes_on()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.CompleteRawAsync(path, id, "null");
            await side.CompleteRawAsync(path, id, "{}");
            await side.CompleteRawAsync(path, id, "{\"parts\": \"1\"}");
            await side.CompleteRawAsync(path, id, "not json", new Deviation(500, 400, "the Worker's request.json() throws outside its try; no 500 on the gateway"));
            await side.CompleteRawAsync(path, id, null, new Deviation(500, 400, "the Worker's request.json() throws outside its try; no 500 on the gateway"));
            await side.CompleteAsync(path, id, [(1, one)]);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task Complete_of_an_unknown_upload_is_4xx()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.CompleteAsync(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", [(1, "0123456789abcdef0123456789abcdef")]);
            await side.PartAsync(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1, Tiny);
        });
    }

    [Fact]
    public Task Complete_after_complete_is_4xx_and_the_object_stays()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, PartA);
            var two = await side.PartAsync(path, id, 2, Small);
            await side.CompleteAsync(path, id, [(1, one), (2, two)]);
            await side.CompleteAsync(path, id, [(1, one), (2, two)]);
            await side.PartAsync(path, id, 3, Tiny);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task The_uploadId_of_another_key_is_4xx_for_parts_and_complete()
    {
        var path = NewPath();
        var other = NewPath("other");
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, 1, Tiny);
            await side.PartAsync(other, id, 2, Tiny);
            await side.CompleteAsync(other, id, [(1, one)]);
            await side.GetAsync(other);
            await side.CompleteAsync(path, id, [(1, one)]);
            await side.GetAsync(path);
        });
    }
}
