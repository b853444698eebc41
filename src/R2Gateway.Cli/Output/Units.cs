using System.Globalization;

namespace R2Gateway.Cli.Output;

/// <summary>Byte sizes and durations as people type and read them: 8MiB, 5G, 1h, 30m.</summary>
public static class Units
{
    public const long MiB = 1024 * 1024;

    private static readonly (string Suffix, long Factor)[] SizeSuffixes =
    [
        ("KiB", 1024), ("MiB", MiB), ("GiB", 1024 * MiB), ("TiB", 1024L * 1024 * MiB),
        ("KB", 1024), ("MB", MiB), ("GB", 1024 * MiB), ("TB", 1024L * 1024 * MiB),
        ("K", 1024), ("M", MiB), ("G", 1024 * MiB), ("T", 1024L * 1024 * MiB), ("B", 1),
    ];

    private static readonly (string Suffix, long Seconds)[] DurationSuffixes =
        [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    /// <summary>Binary multiples whatever the spelling (8M = 8MiB), since part sizes are counted in MiB.</summary>
    public static long? ParseSize(string text) => Parse(text, SizeSuffixes);

    public static TimeSpan? ParseDuration(string text) =>
        Parse(text, DurationSuffixes) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

    public static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < MiB => Format(bytes / 1024.0, "KiB"),
        < 1024 * MiB => Format(bytes / (double)MiB, "MiB"),
        _ => Format(bytes / (1024.0 * MiB), "GiB"),
    };

    public static long BytesPerSecond(long bytes, TimeSpan elapsed) => (long)(bytes / Math.Max(elapsed.TotalSeconds, 1e-3));

    /// <summary>"2.1 s (30.5 MiB/s)": how long a transfer took and how fast it went.</summary>
    public static string FormatTransfer(long bytes, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.0} s ({FormatSize(BytesPerSecond(bytes, elapsed))}/s)");

    private static string Format(double value, string unit) => string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {unit}");

    private static long? Parse(string text, (string Suffix, long Factor)[] suffixes)
    {
        var trimmed = text.Trim();
        var factor = 1L;
        foreach (var (suffix, multiplier) in suffixes)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                trimmed = trimmed[..^suffix.Length].TrimEnd();
                factor = multiplier;
                break;
            }
        }

        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= long.MaxValue / factor
            ? value * factor
            : null;
    }
}
