using System.Diagnostics;
using System.Text.Json.Nodes;

namespace R2Gateway.Testing;

/// <summary>Events/receiver.py as a real process on loopback: a webhook receiver that verifies
/// signatures and a pre-upload hook. It keeps its port across <see cref="Stop"/> and <see cref="Start"/>.</summary>
public sealed class WebhookReceiver : IDisposable
{
    public const string Secret = "test-secret-0123456789abcdef";

    private readonly string _log = Path.Combine(Directory.CreateTempSubdirectory("r2gw-receiver-").FullName, "received.jsonl");
    private readonly int _failFirst;
    private readonly List<JsonObject> _received = [];
    private long _read;
    private Process? _process;

    public WebhookReceiver(int failFirst = 0)
    {
        _failFirst = failFirst;
        Port = FreePort.Next();
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

        // A restart on the same port may find it still held by the instance just killed for a moment:
        // receiver.py then exits at once, and a new attempt follows.
        var error = "";
        try
        {
            Eventually.Until(
                () =>
                {
                    _process?.Dispose();
                    _process = Process.Start(start)!;
                    if (_process.StandardOutput.ReadLine() == "ready")
                    {
                        return true;
                    }

                    _process.WaitForExit();
                    error = _process.StandardError.ReadToEnd();
                    return false;
                },
                TimeSpan.FromSeconds(10),
                "receiver.py started").GetAwaiter().GetResult();
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException("receiver.py did not start: " + error, e);
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

    /// <summary>Every request received so far, in order. The log is read from where the last call
    /// stopped: waits poll this every few milliseconds, and re-parsing a growing log each time would
    /// take the CPU the gateway under test needs.</summary>
    public IReadOnlyList<JsonObject> Received()
    {
        lock (_received)
        {
            if (File.Exists(_log))
            {
                using var log = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                log.Position = _read;
                var fresh = new byte[log.Length - _read];
                log.ReadExactly(fresh);
                var complete = Array.LastIndexOf(fresh, (byte)'\n') + 1; // a line still being written waits for the next call
                foreach (var line in System.Text.Encoding.UTF8.GetString(fresh, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    _received.Add(JsonNode.Parse(line)!.AsObject());
                }

                _read += complete;
            }

            return [.. _received];
        }
    }

    public IReadOnlyList<JsonObject> Events() => Received().Where(r => (string?)r["path"] == "/events" && r["event"] is not null).ToList();

    public IReadOnlyList<JsonObject> HookCalls() => Received().Where(r => (string?)r["path"] == "/hook").ToList();

    /// <summary>Waits until <paramref name="done"/> holds for the events received, and returns them.</summary>
    public async Task<IReadOnlyList<JsonObject>> WaitForEventsAsync(Func<IReadOnlyList<JsonObject>, bool> done, TimeSpan timeout)
    {
        try
        {
            return await Eventually.Until(Events, done, timeout, "the webhook receiver got the events expected");
        }
        catch (TimeoutException e)
        {
            var running = _process is { HasExited: false } ? "running" : "not running";
            throw new TimeoutException($"{e.Message} It got {Events().Count} event(s) and {Received().Count} request(s) in all; it is {running} on port {Port}.", e);
        }
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        Directory.Delete(Path.GetDirectoryName(_log)!, recursive: true);
    }
}
