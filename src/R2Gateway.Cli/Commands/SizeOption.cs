using System.CommandLine;
using R2Gateway.Cli.Output;

namespace R2Gateway.Cli.Commands;

/// <summary>An option that takes a byte size such as 16MiB, 8M or 1048576.</summary>
public static class SizeOption
{
    public static Option<long?> Create(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "size",
        CustomParser = result => Units.ParseSize(result.Tokens[0].Value) is { } bytes
            ? bytes
            : CommonOptions.Invalid<long?>(result, $"'{result.Tokens[0].Value}' is not a size such as 16MiB, 8M or 1048576"),
    };
}
