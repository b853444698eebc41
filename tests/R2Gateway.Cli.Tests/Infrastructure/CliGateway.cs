using System.Security.Cryptography;
using System.Text.Json;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests.Infrastructure;

/// <summary>What one run of r2gw printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A gateway for the CLI tests on a real loopback port: the embedded store in a temp root,
/// every object request recorded server-side.</summary>
public sealed class CliGateway : IDisposable
{
    private readonly GatewayFactory _factory;

    public CliGateway()
        : this(new Faults())
    {
    }

    private CliGateway(Faults faults, Dictionary<string, string?>? extra = null)
    {
        var root = Root = Directory.CreateTempSubdirectory("r2gw-cli-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "FileSystem",
            ["Storage:FileSystem:Root"] = root,
            ["Storage:FileSystem:Fsync"] = "false",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        _factory = GatewayFactory.Start(settings, services =>
        {
            Recorder.AddTo(services); // first, so it is the outer filter and sees the injected faults' answers
            faults.AddTo(services);
        });
        Client = _factory.CreateClient();
        Api = new GatewayApi(Client);
    }

    public string Root { get; }

    public RequestRecorder Recorder { get; } = new();

    public HttpClient Client { get; }

    public GatewayApi Api { get; }

    public Uri BaseAddress => _factory.BaseAddress;

    /// <summary>The gateway's request log: what reached it, with part numbers and statuses.</summary>
    public IReadOnlyList<RequestRecorder.Seen> Requests => [.. Recorder.Requests];

    /// <summary>Where r2gw remembers unfinished uploads for this gateway's tests.</summary>
    public string StateDirectory => Path.Combine(Root, "r2gw-state");

    /// <summary>A gateway with access control: one token with every right on every key.</summary>
    public static CliGateway WithToken(string token) => new(new Faults(), new()
    {
        ["Auth:Tokens:0:Name"] = "cli",
        ["Auth:Tokens:0:Hash"] = R2Gateway.Security.TokenHash.Of(token),
        ["Auth:Tokens:0:Prefixes:0"] = "",
        ["Auth:Tokens:0:Can:0"] = "Read",
        ["Auth:Tokens:0:Can:1"] = "Write",
        ["Auth:Tokens:0:Can:2"] = "Delete",
        ["Auth:Tokens:0:Can:3"] = "Presign",
    });

    /// <summary>A gateway that answers every Nth part request 503 (a test-only fault).</summary>
    public static CliGateway FailingEveryNthPart(int n) => new(new Faults(FailEveryNthPart: n));

    /// <summary>A gateway that runs the first mpu-complete and then drops its answer (a test-only fault).</summary>
    public static CliGateway LosingFirstCompleteAnswer() => new(new Faults(LoseFirstCompleteAnswer: true));

    /// <summary>The arguments that point r2gw at this gateway and its state directory.</summary>
    public string[] Target => ["--endpoint", BaseAddress.ToString(), "--state-dir", StateDirectory];

    /// <summary>Runs r2gw in-process, through the same entry point as the tool, with its output captured.</summary>
    public async Task<CliRun> RunAsync(string[] args, Action<string>? onStderrLine, CancellationToken cancellationToken)
    {
        using var stdout = new StringWriter();
        using var stderr = new LineWatchingWriter(onStderrLine ?? (_ => { }));
        var exitCode = await CliApp.RunAsync([.. args, .. Target], stdout, stderr, cancellationToken);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, null, CancellationToken.None);

    public async Task<(byte[] Bytes, string ETag)> GetAsync(string key)
    {
        using var response = await Api.GetAsync(key);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync(), response.Headers.ETag!.Tag.Trim('"'));
    }

    public static string RandomFile(string directory, string name, int size)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Captures text and calls back with each line as it is written, so a test can act mid-run.</summary>
    private sealed class LineWatchingWriter(Action<string> onLine) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            onLine(value ?? "");
        }
    }
}
