using System.CommandLine;
using R2Gateway.Cli.Gateway;
using R2Gateway.Cli.Output;
using R2Gateway.Cli.Transfers;

namespace R2Gateway.Cli.Commands;

/// <summary>What every command needs once the command line is parsed.</summary>
public sealed record CommandContext(GatewayClient Gateway, Reporter Reporter, ResumeStore Resumes, bool EndpointIsDefault);

/// <summary>The options every command takes (endpoint, token, output, retries), and the one place
/// where a command's failure becomes an exit code and a readable line.</summary>
public sealed class CommonOptions
{
    public const string DefaultEndpoint = "http://127.0.0.1:8787";

    public Option<string?> Endpoint { get; } = new("--endpoint")
    {
        Description = $"The gateway's base URL [env: R2GW_ENDPOINT, default: {DefaultEndpoint}]",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Sent as 'Authorization: Bearer <token>' [env: R2GW_TOKEN]",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document on stdout, for scripts", Recursive = true };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print nothing but errors and requested data", Recursive = true };

    public Option<int> Retries { get; } = new("--retries")
    {
        Description = "Retries of one request on 5xx, 429, timeouts and dropped connections",
        DefaultValueFactory = _ => RetrySettings.Default.MaxRetries,
        Recursive = true,
    };

    public Option<TimeSpan?> Timeout { get; } = new("--timeout")
    {
        Description = "Limit on one request (a part, a put); for a download, on a stall (e.g. 90s, 10m) [default: 5m]",
        CustomParser = result => Units.ParseDuration(result.Tokens[0].Value) is { } value && value > TimeSpan.Zero
            ? value
            : Invalid<TimeSpan?>(result, $"'{result.Tokens[0].Value}' is not a duration such as 90s, 10m or 1h"),
        Recursive = true,
    };

    public Option<string?> StateDirectory { get; } = new("--state-dir")
    {
        Description = "Where resumable uploads are remembered [default: $XDG_STATE_HOME/r2gw or ~/.local/state/r2gw]",
        Recursive = true,
    };

    public static T Invalid<T>(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return default!;
    }

    public void AddTo(RootCommand root)
    {
        foreach (Option option in (Option[])[Endpoint, Token, Json, Quiet, Retries, Timeout, StateDirectory])
        {
            root.Options.Add(option);
        }

        Retries.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 100)
            {
                result.AddError("--retries must be from 0 to 100");
            }
        });
    }

    /// <summary>Runs a command's body with a gateway client and reporter; maps its failure to an exit code.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<CommandContext, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var mode = parse.GetValue(Json) ? OutputMode.Json : parse.GetValue(Quiet) ? OutputMode.Quiet : OutputMode.Human;
        var reporter = new Reporter(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, mode);
        var endpointText = parse.GetValue(Endpoint) ?? Environment.GetEnvironmentVariable("R2GW_ENDPOINT") ?? DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            reporter.Error($"the endpoint '{endpointText}' is not an http:// or https:// URL", ExitCodes.Usage);
            return ExitCodes.Usage;
        }

        var settings = new GatewaySettings(endpoint, parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("R2GW_TOKEN"),
            RetrySettings.Default with { MaxRetries = parse.GetValue(Retries), AttemptTimeout = parse.GetValue(Timeout) ?? RetrySettings.Default.AttemptTimeout });
        using var gateway = new GatewayClient(settings, reporter.Note);
        var resumes = new ResumeStore(parse.GetValue(StateDirectory) ?? ResumeStore.DefaultDirectory);
        var context = new CommandContext(gateway, reporter, resumes, endpointText == DefaultEndpoint);
        try
        {
            await body(context, cancellationToken);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (Failures.Describe(e, context, cancellationToken) is { } failure)
        {
            reporter.Error(failure.Message, failure.ExitCode, failure.Hint);
            return failure.ExitCode;
        }
    }
}
