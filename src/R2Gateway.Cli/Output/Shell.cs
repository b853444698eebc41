namespace R2Gateway.Cli.Output;

/// <summary>Arguments quoted for a POSIX shell, so a printed command can be pasted back.</summary>
public static class Shell
{
    public static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c))
            ? argument
            : $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
