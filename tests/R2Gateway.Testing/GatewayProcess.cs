using System.Diagnostics;
using System.Text;

namespace R2Gateway.Testing;

/// <summary>The gateway as its own process (dotnet R2Gateway.dll), for what only a real process
/// shows: its memory, and being killed with SIGKILL.</summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private GatewayProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Peak resident memory so far (VmHWM), in MiB.</summary>
    public long PeakRssMiB => long.Parse(File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;

    public static async Task<GatewayProcess> StartAsync(params string[] settings)
    {
        var port = FreePort.Next();

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { typeof(Program).Assembly.Location, $"--Urls=http://127.0.0.1:{port}", "--S3Api:Urls=http://127.0.0.1:0" }.Concat(settings))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var gateway = new GatewayProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"));
        gateway._process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        gateway._process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        using var client = new HttpClient();
        try
        {
            await Eventually.Until(
                async () =>
                {
                    try
                    {
                        using var health = await client.GetAsync(new Uri(gateway.BaseAddress, "healthz"));
                        return health.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return gateway._process.HasExited ? throw new InvalidOperationException("The gateway process exited:\n" + gateway.Log) : false;
                    }
                },
                TimeSpan.FromMinutes(2), // a process start takes long on a loaded machine; an exit fails at once
                "the gateway process answered /healthz");
            return gateway;
        }
        catch (TimeoutException e)
        {
            gateway.Dispose();
            throw new InvalidOperationException("The gateway process did not start:\n" + gateway.Log, e);
        }
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a crash or an OOM kill would do.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
