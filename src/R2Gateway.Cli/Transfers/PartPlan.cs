using R2Gateway.Cli.Commands;
using R2Gateway.Cli.Output;

namespace R2Gateway.Cli.Transfers;

/// <summary>How a file is cut into parts under R2's rules: at most 10,000 parts, each at least 5 MiB
/// (except the last) and at most 5 GiB − 5 MiB, all but the last the same size, objects at most
/// 5 TiB − 5 GiB (R2's limits page).</summary>
public sealed record PartPlan(long FileSize, long PartSize)
{
    public const int MaxParts = 10_000;
    public const long MinPartSize = 5 * Units.MiB;
    public const long MaxPartSize = 5L * 1024 * Units.MiB - 5 * Units.MiB;
    public const long MaxObjectSize = 5L * 1024 * 1024 * Units.MiB - 5L * 1024 * Units.MiB;

    /// <summary>8 MiB, or more for files so large that 8 MiB parts would exceed 10,000 of them
    /// (rounded up to whole MiB): the largest object R2 stores gets 524 MiB parts.</summary>
    public static long DefaultPartSize(long fileSize)
    {
        var needed = (fileSize + MaxParts - 1) / MaxParts;
        var wholeMiB = (needed + Units.MiB - 1) / Units.MiB * Units.MiB;
        return Math.Max(8 * Units.MiB, wholeMiB);
    }

    /// <summary>The plan, or a usage error saying which of R2's rules it would break.</summary>
    public static PartPlan Checked(long fileSize, long partSize)
    {
        var plan = new PartPlan(fileSize, partSize);
        return plan.Problem() is { } problem ? throw new UsageException(problem) : plan;
    }

    public int Count => FileSize == 0 ? 1 : (int)((FileSize + PartSize - 1) / PartSize);

    public long OffsetOf(int partNumber) => (partNumber - 1) * PartSize;

    public long SizeOf(int partNumber) => Math.Min(PartSize, FileSize - OffsetOf(partNumber));

    /// <summary>Why this plan breaks R2's rules, or null when it keeps them.</summary>
    public string? Problem() =>
        FileSize > MaxObjectSize ? $"the file is larger than 5 TiB − 5 GiB ({MaxObjectSize} bytes), the largest object R2 stores"
        : PartSize < MinPartSize ? $"the part size must be at least {Units.FormatSize(MinPartSize)}"
        : PartSize > MaxPartSize ? $"the part size must be at most 5 GiB − 5 MiB ({MaxPartSize} bytes)"
        : (FileSize + PartSize - 1) / PartSize > MaxParts ? $"{Units.FormatSize(PartSize)} parts would make more than {MaxParts} parts; use --part-size {DefaultPartSize(FileSize) / Units.MiB}MiB or more"
        : null;
}
