using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests;

/// <summary>r2gw as a real process whose output goes to pipes, as in CI logs and scripts.</summary>
public sealed class PlainOutputTests() : OwnGatewayTest(4)
{
    [Fact]
    public async Task Output_that_is_not_a_terminal_is_plain_lines_without_escape_sequences_or_carriage_returns()
    {
        var file = CliGateway.RandomFile(Dir.Path, "plain.bin", 30 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("plain.bin");
        // Parts held back a little, so the upload lasts long enough for progress lines (Spectre's are once a second).
        Gateway.Recorder.PartDelay = _ => TimeSpan.FromMilliseconds(500);
        var output = new List<string>();
        foreach (string[] args in (string[][])[
                     ["upload", file, key, "--part-size", "5MiB", "-c", "2"], // with retries: notes as well as progress
                     ["download", key, Path.Combine(Dir.Path, "back.bin")],
                     ["ls", key],
                     ["presign", key],
                     ["rm", key]])
        {
            var (exitCode, text) = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "r2gw.dll"), .. args, .. Gateway.Target]);
            exitCode.Should().Be(0, text);
            output.Add(text);
        }

        var all = string.Join("\n", output);
        all.Where(c => char.IsControl(c) && c != '\n').Should().BeEmpty(all);
        all.Should().Contain("upload plain.bin: ").And.Contain("retrying in").And.Contain("verified").And.Contain("downloaded").And.Contain(key);
    }
}
