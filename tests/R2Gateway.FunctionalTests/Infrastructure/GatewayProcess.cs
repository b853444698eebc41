using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace R2Gateway.FunctionalTests.Infrastructure;

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
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

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
        for (var i = 0; i < 150; i++)
        {
            try
            {
                if ((await client.GetAsync(new Uri(gateway.BaseAddress, "healthz"))).IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        gateway.Dispose();
        throw new InvalidOperationException("The gateway process did not start:\n" + gateway.Log);
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
