using R2Gateway.Cli.Output;
using R2Gateway.Cli.Transfers;

namespace R2Gateway.Cli.Tests;

public sealed class PartPlanTests
{
    private const long GiB = 1024 * Units.MiB;

    [Theory]
    [InlineData(0, 8)]
    [InlineData(64 * Units.MiB, 8)]
    [InlineData(78 * GiB, 8)] // 10,000 parts of 8 MiB
    [InlineData(100 * GiB, 11)]
    [InlineData(5 * 1024 * GiB - 5 * GiB, 524)] // 5 TiB − 5 GiB: the largest object R2 stores
    public void The_default_part_size_is_8_MiB_or_the_whole_MiB_that_keeps_the_file_within_10000_parts(long fileSize, long expectedMiB)
    {
        var partSize = PartPlan.DefaultPartSize(fileSize);

        partSize.Should().Be(expectedMiB * Units.MiB);
        new PartPlan(fileSize, partSize).Count.Should().BeLessThanOrEqualTo(PartPlan.MaxParts);
        new PartPlan(fileSize, partSize).Problem().Should().BeNull();
    }

    [Fact]
    public void A_plan_that_breaks_R2s_part_rules_says_which_rule()
    {
        new PartPlan(100 * Units.MiB, 4 * Units.MiB).Problem().Should().Contain("at least 5.0 MiB");
        new PartPlan(100 * GiB, 5 * Units.MiB).Problem().Should().Contain("more than 10000 parts");
        new PartPlan(20 * Units.MiB, 8 * Units.MiB).SizeOf(3).Should().Be(4 * Units.MiB);
        new PartPlan(100 * GiB, 5 * GiB).Problem().Should().Contain("at most 5 GiB − 5 MiB");
        new PartPlan(6 * GiB, 5 * GiB - 5 * Units.MiB).Problem().Should().BeNull();
        new PartPlan(5 * 1024 * GiB, 600 * Units.MiB).Problem().Should().Contain("larger than");
    }

    [Fact]
    public void The_largest_part_is_5_GiB_less_5_MiB_as_on_R2()
    {
        PartPlan.MaxPartSize.Should().Be(5_363_466_240);
        PartPlan.MaxObjectSize.Should().Be(5_492_189_429_760);
    }

    [Theory]
    [InlineData("16MiB", 16 * Units.MiB)]
    [InlineData("8M", 8 * Units.MiB)]
    [InlineData("5 mb", 5 * Units.MiB)]
    [InlineData("1048576", Units.MiB)]
    [InlineData("2GiB", 2 * GiB)]
    [InlineData("lots", null)]
    [InlineData("-5M", null)]
    public void Sizes_are_read_as_people_type_them(string text, long? expected) =>
        Units.ParseSize(text).Should().Be(expected);

    [Theory]
    [InlineData("1h", 3600)]
    [InlineData("15m", 900)]
    [InlineData("90s", 90)]
    [InlineData("7d", 604800)]
    [InlineData("900", 900)]
    public void Durations_are_read_as_people_type_them(string text, int seconds) =>
        Units.ParseDuration(text).Should().Be(TimeSpan.FromSeconds(seconds));
}
