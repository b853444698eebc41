using System.CommandLine;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw rm KEY</c>: delete an object (no error when it is already gone).</summary>
internal sealed class RemoveCommand : Command
{
    private readonly Argument<string> _key = new("KEY") { Description = "The object key" };

    public RemoveCommand(CommonOptions common)
        : base("rm", "Delete an object")
    {
        Arguments.Add(_key);
        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var key = parse.GetRequiredValue(_key);
            await context.Gateway.DeleteAsync(key, token);
            context.Reporter.Result($"deleted {key}", new { key, deleted = true });
        }, cancellationToken));
    }
}
