using System.Diagnostics;
using System.Text.RegularExpressions;
using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests;

/// <summary>
/// Interrupted uploads resume with only the missing parts. The interruption is made deterministic
/// with the fault switch: parts 1 and 2 go through, the request for part 3 gets a 503, and the
/// upload is cancelled while the client waits to retry it, so exactly two parts are on the gateway.
/// </summary>
public sealed partial class ResumeTests() : OwnGatewayTest(3)
{
    private const int Parts = 8;

    [Fact]
    public async Task An_upload_cancelled_midway_resumes_from_the_saved_state_and_sends_only_the_missing_parts()
    {
        var (file, key) = (CliGateway.RandomFile(Dir.Path, "r.bin", Parts * 5 * GatewayApi.MiB), GatewayApi.UniqueKey("r.bin"));
        using var cancel = new CancellationTokenSource();
        string[] upload = ["upload", file, key, "--part-size", "5MiB", "--concurrency", "1"];

        var interrupted = await Gateway.RunAsync(upload, line => CancelOnRetry(line, cancel), cancel.Token);

        interrupted.ExitCode.Should().Be(130, interrupted.ToString());
        interrupted.Stderr.Should().Contain("r2gw: error: interrupted").And.Contain("the upload is resumable: run the same command again");
        await ShouldResumeWithOnlyTheMissingPartsAsync(key, file, () => Gateway.RunAsync(upload[..^2]));
    }

    [Fact]
    public async Task Ctrl_C_stops_the_real_process_with_exit_code_130_and_the_resume_command_it_prints_finishes_the_upload()
    {
        var (file, key) = (CliGateway.RandomFile(Dir.Path, "p.bin", Parts * 5 * GatewayApi.MiB), GatewayApi.UniqueKey("p.bin"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "r2gw.dll"), "upload", file, key, "--part-size", "5MiB", "-c", "1", .. Gateway.Target])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new List<string>();
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            stderr.Add(line);
            if (line.Contains("retrying in", StringComparison.Ordinal))
            {
                await ProcessRunner.RunAsync("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
        }

        await process.WaitForExitAsync();
        var output = $"{await stdout}\n{string.Join('\n', stderr)}";
        process.ExitCode.Should().Be(130, output);
        var resume = ResumeCommand().Match(output);
        resume.Success.Should().BeTrue(output);
        resume.Groups["file"].Value.Should().Be(file);

        // The printed command names the upload, so it works without the state file too.
        Directory.Delete(Gateway.StateDirectory, recursive: true);
        await ShouldResumeWithOnlyTheMissingPartsAsync(key, file,
            () => Gateway.RunAsync("upload", file, key, "--resume", resume.Groups["id"].Value));
    }

    private static void CancelOnRetry(string line, CancellationTokenSource cancel)
    {
        if (line.Contains("retrying in", StringComparison.Ordinal))
        {
            cancel.Cancel();
        }
    }

    private async Task ShouldResumeWithOnlyTheMissingPartsAsync(string key, string file, Func<Task<CliRun>> resume)
    {
        Gateway.Recorder.Parts().Select(p => p.PartNumber).Should().Equal([1, 2], "the upload stopped while part 3 waited for its retry");
        var before = Gateway.Requests.Count;

        var resumed = await resume();

        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Stderr.Should().Contain("resuming upload").And.Contain("2 of 8 parts are already there");
        var sent = Gateway.Requests.Skip(before).Where(r => r.Action == "mpu-uploadpart").ToList();
        sent.Where(r => r.Status == 200).Select(r => r.PartNumber).Should().BeEquivalentTo(Enumerable.Range(3, Parts - 2), "only the missing parts are sent");
        sent.Should().NotContain(r => r.PartNumber <= 2, "the parts already there are not sent again, not even once");
        var (bytes, etag) = await Gateway.GetAsync(key);
        GatewayApi.Md5Hex(bytes).Should().Be(GatewayApi.Md5Hex(await File.ReadAllBytesAsync(file)));
        etag.Should().EndWith($"-{Parts}");
        Directory.GetFiles(Gateway.StateDirectory, "*.json", SearchOption.AllDirectories).Should().BeEmpty("a finished upload is forgotten");
    }

    [GeneratedRegex(@"r2gw upload (?<file>\S+) (?<key>\S+) --resume (?<id>\S+)")]
    private static partial Regex ResumeCommand();
}
