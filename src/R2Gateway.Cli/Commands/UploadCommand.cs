using System.CommandLine;
using R2Gateway.Cli.Output;
using R2Gateway.Cli.Transfers;
using R2Gateway.Storage;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw upload FILE [KEY]</c>: a put, or a parallel, resumable multipart upload.</summary>
internal sealed class UploadCommand : Command
{
    private readonly Argument<FileInfo> _file = new("FILE") { Description = "The file to upload" };
    private readonly Argument<string?> _key = new("KEY") { Description = "The object key [default: the file's name]", Arity = ArgumentArity.ZeroOrOne };

    private const long DefaultThreshold = 16 * Units.MiB;

    private readonly Option<long?> _threshold = SizeOption.Create("--multipart-threshold", "Files larger than this go up in parts [default: 16MiB]");
    private readonly Option<long?> _partSize = SizeOption.Create("--part-size",
        "Size of each part, at least 5MiB [default: 8MiB, more for files over 78 GiB so that 10,000 parts suffice]");

    private readonly Option<int> _concurrency = new("--concurrency", "-c") { Description = "Parts sent at once", DefaultValueFactory = _ => 4 };
    private readonly Option<string?> _contentType = new("--content-type") { Description = "The object's Content-Type" };

    private readonly Option<string?> _resume = new("--resume")
    {
        Description = "Continue an unfinished upload: the one remembered for this file and key, or UPLOAD_ID",
        HelpName = "UPLOAD_ID",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<bool> _noResume = new("--no-resume") { Description = "Start a new upload even if one of this file is remembered" };

    // CRC64NVME by default: it is a full-object checksum, so an object gets the same value however it
    // was split into parts (a composite SHA-256 changes with the part size), and it costs far less CPU.
    private readonly Option<string> _checksum = new("--checksum")
    {
        Description = "A checksum sent with the put or every part and verified in the gateway's answers: sha256, sha1, crc32, crc32c, crc64nvme or none [default: crc64nvme]",
        DefaultValueFactory = _ => "crc64nvme",
    };

    private readonly Option<string[]> _meta = new("--meta")
    {
        Description = "Custom metadata NAME=VALUE, repeatable (sent as x-amz-meta-NAME)",
        HelpName = "NAME=VALUE",
    };

    public UploadCommand(CommonOptions common)
        : base("upload", "Upload a file: one request up to the threshold, else in parallel parts; resumable; the ETag is verified")
    {
        Arguments.Add(_file);
        Arguments.Add(_key);
        foreach (Option option in (Option[])[_threshold, _partSize, _concurrency, _contentType, _resume, _noResume, _checksum, _meta])
        {
            Options.Add(option);
        }

        _concurrency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 64)
            {
                result.AddError("--concurrency must be from 1 to 64");
            }
        });
        _checksum.Validators.Add(result =>
        {
            if (ParseChecksum(result.GetValueOrDefault<string>()) is null && result.GetValueOrDefault<string>() != "none")
            {
                result.AddError($"--checksum must be one of {string.Join(", ", Checksums.All.Select(Checksums.Name))} or none");
            }
        });
        _meta.Validators.Add(result =>
        {
            foreach (var pair in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (ParseMeta(pair) is null)
                {
                    result.AddError($"--meta '{pair}': write NAME=VALUE, NAME made of letters, digits, '-' and '_'");
                }
            }
        });
        _threshold.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() > PartPlan.MaxPartSize)
            {
                result.AddError("--multipart-threshold: a single put takes at most 5 GiB − 5 MiB");
            }
        });
        _partSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is { } size && new PartPlan(0, size).Problem() is { } problem)
            {
                result.AddError($"--part-size: {problem}");
            }
        });

        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var file = parse.GetRequiredValue(_file);
            var key = parse.GetValue(_key) ?? file.Name;
            var options = new UploadOptions(
                parse.GetValue(_threshold) ?? DefaultThreshold, parse.GetValue(_partSize), parse.GetValue(_concurrency), parse.GetValue(_contentType),
                parse.GetValue(_resume), parse.GetResult(_resume) is not null, parse.GetValue(_noResume),
                ParseChecksum(parse.GetValue(_checksum)),
                (parse.GetValue(_meta) ?? []).Select(m => ParseMeta(m)!.Value).ToDictionary(m => m.Name, m => m.Value));
            var outcome = await new Uploader(context).UploadAsync(file, key, options, token);
            var parts = outcome.UploadId is null ? "one request"
                : $"{outcome.Parts} parts of {Units.FormatSize(outcome.PartSize!.Value)}{(outcome.PartsReused > 0 ? $", {outcome.PartsReused} already there" : "")}";
            context.Reporter.Result(
                $"uploaded {file.Name} to {outcome.Key}: {Units.FormatSize(outcome.Size)} in {parts}, {Units.FormatTransfer(outcome.Size, outcome.Elapsed)}; etag {outcome.ETag}"
                + (options.Checksum is { } algorithm ? $" and {Checksums.Name(algorithm)}" : "") + " verified",
                outcome);
        }, cancellationToken));
    }

    private static ChecksumAlgorithm? ParseChecksum(string? name) =>
        Checksums.TryParse(name, out var algorithm) ? algorithm : null;

    private static (string Name, string Value)? ParseMeta(string pair)
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0)
        {
            return null;
        }

        var name = pair[..eq].Trim().ToLowerInvariant();
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? (name, pair[(eq + 1)..]) : null;
    }
}
