using System.Diagnostics;

namespace R2Gateway.Testing;

public static class ProcessRunner
{
    /// <summary>Runs a program to completion (bounded by <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var (exitCode, standardOutput, standardError) = await RunSeparatelyAsync(file, args, workingDirectory, environment, timeout);
        return (exitCode, standardOutput + standardError);
    }

    /// <summary>The same, with standard output and standard error apart: for a command whose output is parsed.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunSeparatelyAsync(
        string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The repository's root: where R2Gateway.sln is.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "R2Gateway.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("R2Gateway.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
