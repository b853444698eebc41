namespace R2Gateway.Commands;

/// <summary>
/// One-off administrative commands run by the same binary with the same configuration, e.g.
/// <c>dotnet R2Gateway.dll lifecycle apply</c>. Arguments before the first <c>--option</c> name the
/// command; the rest configure the host as usual.
/// </summary>
public static class GatewayCommands
{
    private static readonly Dictionary<string, Func<IServiceProvider, string[], Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["lifecycle"] = LifecycleCommand.RunAsync,
        ["cors"] = CorsCommand.RunAsync,
    };

    /// <summary>The words that name a command (possibly none), and the arguments left for the host.</summary>
    public static (string[] Command, string[] HostArgs) Split(string[] args)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-') && !a.Contains('=', StringComparison.Ordinal)).ToArray();
        return (words, args[words.Length..]);
    }

    /// <summary>Runs the command named by <paramref name="command"/>; returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] command, IServiceProvider services)
    {
        if (!Commands.TryGetValue(command[0], out var run))
        {
            await Console.Error.WriteLineAsync($"Unknown command '{command[0]}'. Commands: {string.Join(", ", Commands.Keys)}; or no command to serve.");
            return 2;
        }

        try
        {
            return await run(services, command[1..]);
        }
        catch (Exception e) when (e is Storage.StoreException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"{command[0]}: {e.Message}");
            return 1;
        }
    }
}
