using R2Gateway.FunctionalTests.Infrastructure;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>rclone (Debian's package) against the gateway's S3 endpoint: copy a tree, then check it.</summary>
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

    private Task<(int ExitCode, string Output)> RcloneAsync(params string[] args)
    {
        var env = s3.ClientEnvironment(s3.All);
        env["RCLONE_CONFIG"] = Path.Combine(s3.Root, "no-rclone.conf");
        env["RCLONE_CONFIG_GW_TYPE"] = "s3";
        env["RCLONE_CONFIG_GW_PROVIDER"] = "Cloudflare";
        env["RCLONE_CONFIG_GW_ACCESS_KEY_ID"] = s3.All.AccessKeyId;
        env["RCLONE_CONFIG_GW_SECRET_ACCESS_KEY"] = s3.All.Secret;
        env["RCLONE_CONFIG_GW_ENDPOINT"] = s3.Endpoint;
        env["RCLONE_CONFIG_GW_REGION"] = "auto";
        // rclone's S3 backend refuses any AWS_CA_BUNDLE (set on some machines) for a custom http transport.
        return ProcessRunner.RunAsync("env", ["-u", "AWS_CA_BUNDLE", "rclone", .. args], s3.Root, env, TimeSpan.FromMinutes(3));
    }
}
