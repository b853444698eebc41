namespace R2Gateway.Commands;

/// <summary>
/// One-off administrative commands run by the same binary with the same configuration, e.g.
/// <c>dotnet R2Gateway.dll lifecycle apply</c> or <c>token create --name ci ...</c>. Settings written
/// <c>--Key=value</c> configure the host as usual; every other argument belongs to the command.
/// </summary>
public static class GatewayCommands
{
    private static readonly Dictionary<string, Func<IServiceProvider, string[], Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["lifecycle"] = LifecycleCommand.RunAsync,
        ["cors"] = CorsCommand.RunAsync,
        ["token"] = TokenCommand.RunAsync,
        ["index"] = IndexCommand.RunAsync,
        ["events"] = EventsCommand.RunAsync,
    };

    /// <summary>Splits the arguments into the command with its own options (possibly none) and the
    /// configuration for the host: <c>--Section:Key=value</c> and <c>--Key=value</c> go to the host.</summary>
    public static (string[] Command, string[] HostArgs) Split(string[] args)
    {
        static bool IsSetting(string a) => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal);
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return ([], args);
        }

        return (args.Where(a => !IsSetting(a)).ToArray(), args.Where(IsSetting).ToArray());
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
        catch (Exception e) when (e is ContractException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"{command[0]}: {e.Message}");
            return 1;
        }
    }
}
