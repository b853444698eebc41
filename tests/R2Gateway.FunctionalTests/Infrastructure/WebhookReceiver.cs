using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace R2Gateway.FunctionalTests.Infrastructure;

/// <summary>Events/receiver.py as a real process on loopback: a webhook receiver that verifies
/// signatures and a pre-upload hook. It keeps its port across <see cref="Stop"/> and <see cref="Start"/>.</summary>
public sealed class WebhookReceiver : IDisposable
{
    public const string Secret = "test-secret-0123456789abcdef";

    private readonly string _log = Path.Combine(Directory.CreateTempSubdirectory("r2gw-receiver-").FullName, "received.jsonl");
    private readonly int _failFirst;
    private Process? _process;

    public WebhookReceiver(int failFirst = 0)
    {
        _failFirst = failFirst;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Start();
    }

    public int Port { get; }

    public Uri EventsUrl => new($"http://127.0.0.1:{Port}/events");

    public Uri HookUrl => new($"http://127.0.0.1:{Port}/hook");

    public void Start()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Events", "receiver.py"), Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Secret, _log, "--fail-first", _failFirst.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        for (var attempt = 0; ; attempt++)
        {
            _process = Process.Start(start)!;
            if (_process.StandardOutput.ReadLine() == "ready")
            {
                return;
            }

            // The port may still be held by the previous instance for a moment.
            _process.WaitForExit();
            if (attempt > 50)
            {
                throw new InvalidOperationException("receiver.py did not start: " + _process.StandardError.ReadToEnd());
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>SIGKILL: the receiver is simply gone.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<JsonObject> Received() =>
        File.Exists(_log) ? File.ReadAllLines(_log).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList() : [];

    public IReadOnlyList<JsonObject> Events() => Received().Where(r => (string?)r["path"] == "/events" && r["event"] is not null).ToList();

    public IReadOnlyList<JsonObject> HookCalls() => Received().Where(r => (string?)r["path"] == "/hook").ToList();

    /// <summary>Waits until <paramref name="done"/> holds for the events received.</summary>
    public async Task<IReadOnlyList<JsonObject>> WaitForEventsAsync(Func<IReadOnlyList<JsonObject>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var events = Events();
            if (done(events) || DateTime.UtcNow > deadline)
            {
                return events;
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        Directory.Delete(Path.GetDirectoryName(_log)!, recursive: true);
    }
}
