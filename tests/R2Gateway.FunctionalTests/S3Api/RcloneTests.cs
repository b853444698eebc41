using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>rclone (Debian's package) against the gateway's S3 endpoint: copy a tree, then check it.</summary>
[Trait("Needs", "Clients")]
public sealed class RcloneTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    [Fact]
    public async Task Copy_then_check_finds_every_file_identical()
    {
        var source = Directory.CreateDirectory(Path.Combine(s3.Root, $"tree-{Guid.NewGuid():N}")).FullName;
        Directory.CreateDirectory(Path.Combine(source, "sub dir"));
        await File.WriteAllBytesAsync(Path.Combine(source, "small.txt"), "hello rclone"u8.ToArray());
        await File.WriteAllBytesAsync(Path.Combine(source, "sub dir", "big.bin"), GatewayApi.RandomBytes(12 * GatewayApi.MiB));
        var target = $"gw:{S3GatewayFixture.Bucket}/rclone/{Guid.NewGuid():N}";

        var (exit, output) = await RcloneAsync("copy", source, target, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M");
        exit.Should().Be(0, output);
        (exit, output) = await RcloneAsync("check", source, target);
        exit.Should().Be(0, output);
        output.Should().Contain("0 differences found");

        (exit, output) = await RcloneAsync("lsf", "-R", target);
        output.Should().Contain("small.txt").And.Contain("sub dir/big.bin");
    }

    private Task<(int ExitCode, string Output)> RcloneAsync(params string[] args) => s3.RcloneAsync(args);
}
