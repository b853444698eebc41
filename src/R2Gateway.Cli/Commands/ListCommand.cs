using System.CommandLine;
using System.Globalization;
using R2Gateway.Cli.Gateway;
using R2Gateway.Cli.Output;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw ls [PREFIX]</c>: every object under a prefix, page after page.</summary>
internal sealed class ListCommand : Command
{
    private readonly Argument<string?> _prefix = new("PREFIX") { Description = "Only keys that start with this", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string?> _delimiter = new("--delimiter", "-d") { Description = "Group keys by this separator (e.g. /) into prefixes" };

    public ListCommand(CommonOptions common)
        : base("ls", "List objects: uploaded (UTC), size in bytes, key")
    {
        Arguments.Add(_prefix);
        Options.Add(_delimiter);
        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var objects = new List<ListedObject>();
            var prefixes = new List<string>();
            await foreach (var page in context.Gateway.ListAsync(parse.GetValue(_prefix) ?? "", parse.GetValue(_delimiter), token))
            {
                prefixes.AddRange(page.DelimitedPrefixes ?? []);
                if (context.Reporter.Mode == OutputMode.Json)
                {
                    objects.AddRange(page.Objects);
                    continue;
                }

                // Printed page by page: a large bucket shows up as it is read.
                foreach (var o in page.Objects)
                {
                    context.Reporter.Data(string.Create(CultureInfo.InvariantCulture, $"{o.Uploaded.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {o.Size,14}  {o.Key}"));
                }
            }

            foreach (var prefix in context.Reporter.Mode == OutputMode.Json ? [] : prefixes)
            {
                context.Reporter.Data($"{"",19}  {"PRE",14}  {prefix}");
            }

            context.Reporter.Result(null, new { objects, delimitedPrefixes = prefixes });
        }, cancellationToken));
    }
}
