using System.CommandLine;
using R2Gateway.Cli.Commands;

namespace R2Gateway.Cli;

/// <summary>r2gw's entry point, callable in-process (the tests) with its own writers and cancellation.</summary>
public static class CliApp
{
    /// <summary>As a process: Console streams, and Ctrl-C / SIGTERM cancel the command (System.CommandLine's handling).</summary>
    public static Task<int> RunAsync(string[] args) =>
        RunAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) }, CancellationToken.None);

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null }, cancellationToken);

    public static RootCommand CreateRootCommand()
    {
        var common = new CommonOptions();
        var root = new RootCommand("r2gw: the command-line client of R2Gateway. Exit codes: 0 ok, 1 gateway error, 2 usage, 3 verification failed, 4 local I/O, 130 interrupted.");
        common.AddTo(root);
        foreach (var command in (Command[])[new UploadCommand(common), new DownloadCommand(common), new ListCommand(common),
                     new RemoveCommand(common), new AbortCommand(common), new PresignCommand(common), new StatCommand(common)])
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static async Task<int> RunAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken)
    {
        var parse = CreateRootCommand().Parse(args);
        var exitCode = await parse.InvokeAsync(configuration, cancellationToken);
        // System.CommandLine reports a parse error with 1; r2gw keeps 1 for gateway errors and uses 2, as shells do.
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
    }
}
