using System.CommandLine;
using R2Gateway.Cli.Gateway;
using R2Gateway.Cli.Output;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw presign KEY --method PUT|GET --expires 1h</c>: a time-limited URL, printed on stdout.</summary>
internal sealed class PresignCommand : Command
{
    private readonly Argument<string> _key = new("KEY") { Description = "The object key" };

    private readonly Option<string> _method = new Option<string>("--method", "-m")
    {
        Description = "What the URL allows",
        DefaultValueFactory = _ => "GET",
    }.AcceptOnlyFromAmong("GET", "PUT");

    private readonly Option<TimeSpan> _expires = new("--expires", "-e")
    {
        Description = "How long the URL works (e.g. 900, 15m, 1h, 7d; at most 7d)",
        DefaultValueFactory = _ => TimeSpan.FromHours(1),
        CustomParser = result => Units.ParseDuration(result.Tokens[0].Value) is { } value && value > TimeSpan.Zero && value <= TimeSpan.FromDays(7)
            ? value
            : CommonOptions.Invalid<TimeSpan>(result, $"'{result.Tokens[0].Value}' is not a duration from 1s to 7d such as 15m or 1h"),
    };

    private readonly Option<string?> _contentType = new("--content-type") { Description = "For PUT: the Content-Type the upload must send" };

    public PresignCommand(CommonOptions common)
        : base("presign", "Print a presigned URL for a GET or PUT of one object")
    {
        Arguments.Add(_key);
        Options.Add(_method);
        Options.Add(_expires);
        Options.Add(_contentType);
        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var request = new PresignRequest(parse.GetRequiredValue(_method), (long)parse.GetValue(_expires).TotalSeconds, parse.GetValue(_contentType));
            var presigned = await context.Gateway.PresignAsync(parse.GetRequiredValue(_key), request, token);
            if (context.Reporter.Mode == OutputMode.Json)
            {
                context.Reporter.Result(null, presigned);
                return;
            }

            context.Reporter.Data(presigned.Url);
            foreach (var (name, value) in presigned.Headers ?? new Dictionary<string, string>())
            {
                context.Reporter.Note($"send with the header  {name}: {value}");
            }

            context.Reporter.Note($"expires at {presigned.ExpiresAt:u}");
        }, cancellationToken));
    }
}
