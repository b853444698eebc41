using R2Gateway.Storage;

namespace R2Gateway.Tests.Storage;

public class MultipartRulesTests
{
    private const long Min = MultipartRules.MinPartSize;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Etag(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<int, PartInfo> Stored(params long[] sizes) =>
        sizes.Select((size, i) => new PartInfo(i + 1, Etag(i + 1), size, Now)).ToDictionary(p => p.PartNumber);

    private static List<UploadedPart> Requested(params int[] numbers) =>
        numbers.Select(n => new UploadedPart(n, Etag(n))).ToList();

    [Fact]
    public void Complete_with_a_part_that_was_never_uploaded_is_InvalidPart()
    {
        var act = () => MultipartRules.CheckCompletion(Requested(1, 2, 3), Stored(Min, Min));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidPart);
    }

    [Fact]
    public void Complete_with_a_wrong_etag_is_InvalidPart()
    {
        var requested = new List<UploadedPart> { new(1, Etag(1)), new(2, Etag(99)) };

        var act = () => MultipartRules.CheckCompletion(requested, Stored(Min, Min));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidPart);
    }

    [Fact]
    public void Complete_with_an_empty_parts_list_is_InvalidArgument()
    {
        var act = () => MultipartRules.CheckCompletion([], Stored(Min));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Fact]
    public void Complete_with_a_small_first_part_is_EntityTooSmall()
    {
        var act = () => MultipartRules.CheckCompletion(Requested(1, 2), Stored(Min - 1, Min - 1));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.EntityTooSmall);
    }

    [Fact]
    public void Complete_with_a_small_middle_part_is_EntityTooSmall()
    {
        var act = () => MultipartRules.CheckCompletion(Requested(1, 2, 3), Stored(Min, 100, 100));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.EntityTooSmall);
    }

    [Fact]
    public void Complete_with_unequal_non_trailing_part_sizes_is_InvalidPart()
    {
        var act = () => MultipartRules.CheckCompletion(Requested(1, 2, 3), Stored(Min, Min + 1, 10));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidPart);
    }

    [Fact]
    public void Complete_with_a_larger_first_part_than_the_second_is_InvalidPart()
    {
        var act = () => MultipartRules.CheckCompletion(Requested(1, 2, 3), Stored(Min + 1, Min, 10));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidPart);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(MultipartRules.MinPartSize - 1)]
    [InlineData(MultipartRules.MinPartSize)]
    public void Complete_accepts_a_last_part_of_any_size_up_to_the_others(long lastSize)
    {
        var result = MultipartRules.CheckCompletion(Requested(1, 2, 3), Stored(Min, Min, lastSize));

        result.Select(p => p.Size).Should().Equal(Min, Min, lastSize);
    }

    [Fact]
    public void Complete_with_a_last_part_larger_than_the_others_is_InvalidPart()
    {
        var act = () => MultipartRules.CheckCompletion(Requested(1, 2), Stored(Min, Min + 1));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidPart);
    }

    [Fact]
    public void R2s_size_limits_are_5_GiB_less_5_MiB_per_part_and_put_and_5_TiB_less_5_GiB_per_object()
    {
        MultipartRules.MaxPartSize.Should().Be(5_363_466_240);
        MultipartRules.MaxPutSize.Should().Be(5_363_466_240);
        MultipartRules.MaxObjectSize.Should().Be(5_492_189_429_760);
        new StorageOptions().MaxObjectSize.Should().Be(MultipartRules.MaxObjectSize);
    }

    [Fact]
    public void Complete_accepts_a_single_tiny_part()
    {
        var result = MultipartRules.CheckCompletion(Requested(1), Stored(1));

        result.Should().ContainSingle().Which.Size.Should().Be(1);
    }

    [Fact]
    public void Complete_returns_parts_given_out_of_order_in_part_number_order()
    {
        var stored = new Dictionary<int, PartInfo>
        {
            [2] = new(2, Etag(2), Min, Now),
            [5] = new(5, Etag(5), Min, Now),
            [9] = new(9, Etag(9), 7, Now),
        };

        var result = MultipartRules.CheckCompletion(Requested(9, 2, 5), stored);

        result.Select(p => p.PartNumber).Should().Equal(2, 5, 9);
        result.Select(p => p.ETag).Should().Equal(Etag(2), Etag(5), Etag(9));
    }

    [Fact]
    public void Complete_checks_the_size_rule_in_part_number_order_not_request_order()
    {
        // Requested with the small part first: it is the last by number, so it is allowed.
        var result = MultipartRules.CheckCompletion(Requested(3, 1, 2), Stored(Min, Min, 1));

        result.Select(p => p.PartNumber).Should().Equal(1, 2, 3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10001)]
    [InlineData(int.MaxValue)]
    public void EnsurePartNumber_rejects_numbers_outside_1_to_10000(int partNumber)
    {
        var act = () => MultipartRules.EnsurePartNumber(partNumber);

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10000)]
    public void EnsurePartNumber_accepts_the_bounds_1_and_10000(int partNumber)
    {
        var act = () => MultipartRules.EnsurePartNumber(partNumber);

        act.Should().NotThrow();
    }
}
