using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using R2Gateway.FunctionalTests.Infrastructure;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>Without tokens the gateway serves loopback only: the published binary, started as a user would.</summary>
public sealed class SafeDefaultTests : IDisposable
{
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string[] Args(int port, params string[] more) =>
        [typeof(Program).Assembly.Location, $"--Urls=http://0.0.0.0:{port}", "--S3Api:Urls=http://127.0.0.1:0", $"--Storage:FileSystem:Root={_root.Path}", .. more];

    [Fact]
    public async Task Listening_beyond_loopback_without_tokens_refuses_to_start_and_says_what_to_set()
    {
        var (exitCode, output) = await ProcessRunner.RunAsync("dotnet", Args(FreePort()), environment: new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        exitCode.Should().NotBe(0);
        output.Should().Contain("without access control").And.Contain("Auth:Tokens").And.Contain("Auth:AllowAnonymous=true");
    }

    [Fact]
    public async Task An_S3_endpoint_beyond_loopback_without_tokens_refuses_to_start_before_binding()
    {
        var s3Port = FreePort();
        var (exitCode, output) = await ProcessRunner.RunAsync("dotnet",
            [typeof(Program).Assembly.Location, $"--Urls=http://127.0.0.1:{FreePort()}", $"--S3Api:Urls=http://0.0.0.0:{s3Port}", $"--Storage:FileSystem:Root={_root.Path}"],
            environment: new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        exitCode.Should().Be(1);
        output.Should().Contain($"0.0.0.0:{s3Port}").And.Contain("without access control").And.NotContain("   at ");
    }

    [Fact]
    public async Task Allowing_anonymous_access_on_purpose_starts_with_a_warning()
    {
        var port = FreePort();
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
            var up = false;
            for (var i = 0; i < 100 && !up; i++)
            {
                await Task.Delay(200);
                try
                {
                    up = (await client.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                }
            }

            up.Should().BeTrue();
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
