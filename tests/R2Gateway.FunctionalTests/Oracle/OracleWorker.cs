using System.Diagnostics;
using System.Text;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Oracle;

/// <summary>
/// The oracle: Cloudflare's multipart Worker example (Oracle/worker/worker.js) in Miniflare, i.e. the
/// workerd runtime and Miniflare's R2 simulator, with a fresh in-memory bucket, on a free loopback
/// port. Installed by scripts/install-test-deps.sh (npm ci, version pinned by package-lock.json).
/// </summary>
public sealed class OracleWorker : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    public OracleWorker()
    {
        var dir = Path.Combine(ProcessRunner.RepositoryRoot, "tests", "R2Gateway.FunctionalTests", "Oracle", "worker");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "miniflare")))
        {
            throw new InvalidOperationException($"Miniflare is not installed in {dir}: run scripts/install-test-deps.sh (it runs npm ci there).");
        }

        var start = new ProcessStartInfo("node", ["oracle.mjs"])
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Node.js is needed to run Miniflare: run scripts/install-test-deps.sh.", e);
        }

        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();

        // oracle.mjs prints "listening <url>" once workerd serves; it exits when our stdin closes.
        var ready = Task.Run(() => _process.StandardOutput.ReadLine());
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result is not { } line || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            Dispose();
            throw new InvalidOperationException($"Miniflare did not start. stderr:\n{Errors}");
        }

        BaseAddress = new Uri(line["listening ".Length..].Trim());
        _ = _process.StandardOutput.ReadToEndAsync(); // keep draining
    }

    public Uri BaseAddress { get; } = null!;

    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
    }
}
