using System.CommandLine;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw abort KEY UPLOAD_ID</c>: drop an unfinished multipart upload and its parts.</summary>
internal sealed class AbortCommand : Command
{
    private readonly Argument<string> _key = new("KEY") { Description = "The key the upload is for" };
    private readonly Argument<string> _uploadId = new("UPLOAD_ID") { Description = "The upload to drop" };

    public AbortCommand(CommonOptions common)
        : base("abort", "Abort an unfinished multipart upload")
    {
        Arguments.Add(_key);
        Arguments.Add(_uploadId);
        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var (key, uploadId) = (parse.GetRequiredValue(_key), parse.GetRequiredValue(_uploadId));
            await context.Gateway.AbortAsync(key, uploadId, token);
            context.Resumes.Forget(uploadId); // so the next upload of that file starts afresh
            context.Reporter.Result($"aborted upload {uploadId} of {key}", new { key, uploadId, aborted = true });
        }, cancellationToken));
    }
}
