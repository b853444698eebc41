using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>
/// The container as documented: the built app started with exactly the Dockerfile's environment
/// (only the port and the data directory changed, so tests can run side by side). Without a token it
/// refuses before it listens, in one line and exit code 1; with the flags <c>token create</c> prints
/// (which the README's <c>docker run</c> shows) it serves.
/// </summary>
public sealed partial class ContainerStartTests : IDisposable
{
    private readonly TempDir _data = new();
    private readonly int _port = FreePort.Next(IPAddress.Any);

    public void Dispose() => _data.Dispose();

    private static string AppDll => typeof(Program).Assembly.Location;

    /// <summary>The runtime stage's ENV instruction, as NAME=VALUE pairs.</summary>
    private Dictionary<string, string> DockerfileEnvironment()
    {
        var dockerfile = File.ReadAllText(Path.Combine(ProcessRunner.RepositoryRoot, "Dockerfile"));
        var runtime = dockerfile[dockerfile.IndexOf("AS runtime", StringComparison.Ordinal)..];
        var env = EnvInstruction().Match(runtime);
        env.Success.Should().BeTrue("the Dockerfile's runtime stage sets its environment with ENV");
        var pairs = env.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal)
            .Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        pairs.Should().ContainKeys("Urls", "Storage__FileSystem__Root");
        pairs["Urls"].Should().Be("http://0.0.0.0:8080");
        pairs["Urls"] = $"http://0.0.0.0:{_port}";
        if (pairs.TryGetValue("S3Api__Urls", out var s3Urls))
        {
            s3Urls.Should().Be("http://0.0.0.0:8788");
            pairs["S3Api__Urls"] = "http://0.0.0.0:0"; // the port only, as for Urls: tests run side by side
        }

        pairs["Storage__FileSystem__Root"] = _data.Path;
        return pairs;
    }

    private static ProcessStartInfo Start(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(AppDll)!, // WORKDIR /app
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(AppDll); // ENTRYPOINT ["dotnet", "R2Gateway.dll"]
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing from the test host's own environment may decide how the app starts.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Auth__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Storage__", StringComparison.OrdinalIgnoreCase)
            || k.Equals("Urls", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    [Fact]
    public async Task Without_a_token_the_container_refuses_before_listening_in_one_line_with_exit_code_1()
    {
        using var process = Process.Start(Start(DockerfileEnvironment()))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cancel.Token);

        process.ExitCode.Should().Be(1);
        var errors = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        errors.Should().ContainSingle().Which.Should().StartWith("r2gateway: ").And.Contain("Auth:Tokens").And.Contain("Auth:AllowAnonymous=true");
        var output = await stdout;
        output.Should().NotContain("Now listening").And.NotContain("   at ");
    }

    [Theory]
    [InlineData("Hooks__PreUpload__Url", "file:///etc/passwd", "Hooks:PreUpload:Url")]
    [InlineData("Hooks__PreUpload__Url", "hook", "Hooks:PreUpload:Url")]
    [InlineData("Events__Webhooks__0__Url", "ftp://127.0.0.1/x", "Events:Webhooks")]
    [InlineData("S3Api__Bucket", "../etc", "S3Api:Bucket")]
    [InlineData("S3Api__Bucket", "UPPER", "S3Api:Bucket")]
    public async Task A_hostile_setting_is_refused_before_listening_in_one_line_naming_it(string name, string value, string named)
    {
        var environment = DockerfileEnvironment();
        environment["Auth__AllowAnonymous"] = "true"; // so the setting under test is the only reason to refuse
        environment[name] = value;
        if (name.StartsWith("Events__Webhooks", StringComparison.Ordinal))
        {
            environment["Events__Webhooks__0__Secret"] = "a-secret-of-sixteen-or-more";
        }

        using var process = Process.Start(Start(environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cancel.Token);

        process.ExitCode.Should().Be(1);
        var errors = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        errors.Should().ContainSingle().Which.Should().StartWith("r2gateway: ").And.Contain(named);
        (await stdout).Should().NotContain("Now listening").And.NotContain("   at ");
    }

    [Fact]
    public async Task Token_create_json_prints_only_the_json_on_stdout_even_when_it_makes_the_key_ring()
    {
        using var root = new TempDir();
        var (exit, output, log) = await ProcessRunner.RunSeparatelyAsync("dotnet",
            [AppDll, "token", "create", "--name", "ci", "--prefix", "", "--can", "read", "--json", $"--Storage:FileSystem:Root={root.Path}"],
            workingDirectory: root.Path);
        exit.Should().Be(0, output + log);
        System.Text.Json.Nodes.JsonNode.Parse(output)!["accessKeyId"]!.GetValue<string>().Should().NotBeNullOrEmpty("stdout is one JSON document, fit for jq");
        log.Should().Contain("Creating key", "the new key ring's log lines went to stderr");
    }

    [Fact]
    public async Task With_the_flags_token_create_prints_the_documented_run_serves()
    {
        var created = await ProcessRunner.RunAsync("dotnet",
            [AppDll, "token", "create", "--name", "admin", "--prefix", "", "--can", "read", "--can", "write", "--can", "delete", "--can", "presign"],
            workingDirectory: Path.GetDirectoryName(AppDll));
        created.ExitCode.Should().Be(0, created.Output);
        var token = created.Output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("r2gw_", StringComparison.Ordinal));
        var flags = EnvFlag().Matches(created.Output).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        flags.Should().ContainKeys("Auth__Tokens__0__Name", "Auth__Tokens__0__Hash", "Auth__Tokens__0__Prefixes__0", "Auth__Tokens__0__Can__0");

        // The README's docker run passes the same variables.
        var readme = File.ReadAllText(Path.Combine(ProcessRunner.RepositoryRoot, "README.md"));
        var documented = EnvFlag().Matches(readme[readme.IndexOf("docker run -p 8080:8080", StringComparison.Ordinal)..].Split("```")[0])
            .Select(m => m.Groups[1].Value).ToList();
        documented.Should().BeEquivalentTo(flags.Keys);

        var environment = DockerfileEnvironment();
        foreach (var (name, value) in flags)
        {
            environment[name] = value;
        }

        using var process = Process.Start(Start(environment))!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
            var up = false;
            try
            {
                up = await Eventually.Answers(client, "/healthz", process) == HttpStatusCode.OK;
            }
            catch (InvalidOperationException)
            {
                // exited: the log below says why
            }

            lock (log)
            {
                up.Should().BeTrue(log.ToString());
            }

            using var anonymous = await client.PutAsync(Url("a.txt", "put"), new ByteArrayContent([1]));
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            using var put = new HttpRequestMessage(HttpMethod.Put, Url("a.txt", "put")) { Content = new ByteArrayContent([1, 2]) };
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var stored = await client.SendAsync(put);
            stored.StatusCode.Should().Be(HttpStatusCode.OK, await stored.Content.ReadAsStringAsync());
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"^ENV\s+((?:[^\n]*\\\n)*[^\n]*)", RegexOptions.Multiline)]
    private static partial Regex EnvInstruction();

    [GeneratedRegex(@"-e (Auth__[A-Za-z0-9_]+)=(\S*)")]
    private static partial Regex EnvFlag();
}
