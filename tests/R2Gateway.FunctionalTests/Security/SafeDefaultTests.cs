using System.Diagnostics;
using System.Net;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>Without tokens the gateway serves loopback only: the published binary, started as a user would.</summary>
public sealed class SafeDefaultTests : IDisposable
{
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    private string[] Args(int port, params string[] more) =>
        [typeof(Program).Assembly.Location, $"--Urls=http://0.0.0.0:{port}", "--S3Api:Urls=http://127.0.0.1:0", $"--Storage:FileSystem:Root={_root.Path}", .. more];

    [Fact]
    public async Task Listening_beyond_loopback_without_tokens_refuses_to_start_and_says_what_to_set()
    {
        var (exitCode, output) = await ProcessRunner.RunAsync("dotnet", Args(FreePort.Next(IPAddress.Any)), environment: new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        exitCode.Should().NotBe(0);
        output.Should().Contain("without access control").And.Contain("Auth:Tokens").And.Contain("Auth:AllowAnonymous=true");
    }

    [Fact]
    public async Task An_S3_endpoint_beyond_loopback_without_tokens_refuses_to_start_before_binding()
    {
        var s3Port = FreePort.Next(IPAddress.Any);
        var (exitCode, output) = await ProcessRunner.RunAsync("dotnet",
            [typeof(Program).Assembly.Location, $"--Urls=http://127.0.0.1:{FreePort.Next(IPAddress.Any)}", $"--S3Api:Urls=http://0.0.0.0:{s3Port}", $"--Storage:FileSystem:Root={_root.Path}"],
            environment: new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        exitCode.Should().Be(1);
        output.Should().Contain($"0.0.0.0:{s3Port}").And.Contain("without access control").And.NotContain("   at ");
    }

    [Fact]
    public async Task Allowing_anonymous_access_on_purpose_starts_with_a_warning()
    {
        var port = FreePort.Next(IPAddress.Any);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in Args(port, "--Auth:AllowAnonymous=true"))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        try
        {
            using var client = new HttpClient();
            (await Eventually.Answers(client, $"http://127.0.0.1:{port}/healthz", process)).Should().Be(System.Net.HttpStatusCode.OK);
            lock (output)
            {
                output.ToString().Should().Contain("Auth:AllowAnonymous is set");
            }
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }
}
