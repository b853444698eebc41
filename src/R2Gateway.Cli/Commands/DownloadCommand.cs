using System.CommandLine;
using R2Gateway.Cli.Output;
using R2Gateway.Cli.Transfers;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw download KEY [FILE]</c>: streamed to a partial file, resumable, verified, renamed into place.</summary>
internal sealed class DownloadCommand : Command
{
    private readonly Argument<string> _key = new("KEY") { Description = "The object key" };
    private readonly Argument<string?> _file = new("FILE")
    {
        Description = "Where to write it (a directory keeps the key's last segment as the name) [default: the key's last segment]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public DownloadCommand(CommonOptions common)
        : base("download", "Download an object; an interrupted download continues where it stopped")
    {
        Arguments.Add(_key);
        Arguments.Add(_file);
        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var key = parse.GetRequiredValue(_key);
            var name = key.Split('/')[^1] is { Length: > 0 } last ? last : throw new UsageException($"the key '{key}' ends in '/': name the file to write");
            var target = parse.GetValue(_file) is { } given ? (Directory.Exists(given) ? Path.Combine(given, name) : given) : name;
            var outcome = await new Downloader(context).DownloadAsync(key, Path.GetFullPath(target), token);
            var check = outcome.Md5Verified ? "MD5 verified" : "size checked (a multipart etag is not an MD5)";
            var resumed = outcome.ResumedFrom > 0 ? $", continued from {Units.FormatSize(outcome.ResumedFrom)}" : "";
            var transfer = Units.FormatTransfer(outcome.Size - outcome.ResumedFrom, outcome.Elapsed);
            context.Reporter.Result(
                $"downloaded {outcome.Key} to {target}: {Units.FormatSize(outcome.Size)}{resumed}, {transfer}; etag {outcome.ETag}, {check}",
                outcome);
        }, cancellationToken));
    }
}
