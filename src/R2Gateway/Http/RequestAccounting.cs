using System.Buffers;
using System.IO.Pipelines;
using R2Gateway.Observability;

namespace R2Gateway.Http;

/// <summary>Counts each request's body bytes (for the request log and the metrics), records what it moved
/// and whether it was refused in <see cref="GatewayMetrics"/>, and writes the audit line of every write
/// and delete: who changed what.</summary>
public sealed partial class RequestAccounting(RequestDelegate next, ILogger<RequestAccounting> logger, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // Counted on the server's own pipe, which stays the body: the store reads its buffers without a copy.
        var body = new CountingPipeReader(context.Request.BodyReader);
        context.Request.Body = new Storage.PipeBodyStream(body);
        context.Features.Set(body);
        await next(context);
        var action = context.GetEndpoint()?.Metadata.GetMetadata<ObjectActionMetadata>();
        var status = Status(context);
        metrics.Request(action is null || action.IsUnmatched ? "none" : action.Action, body.BytesRead,
            status == 499 ? 0 : context.Response.ContentLength ?? 0, status);
        if (action is { Right: Security.Right.Write or Security.Right.Delete })
        {
            Audit(context, action.Action, body.BytesRead);
        }
    }

    private void Audit(HttpContext context, string action, long bytes)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            // The token's name (never the token), or how the request was authorised.
            var who = context.User.Identity?.Name ?? "(anonymous)";
            var key = KeyForLog(context);
            var status = Status(context);
            LogAudit(logger, who, action, key, bytes, status);
        }
    }

    /// <summary>Body bytes the gateway read from this request so far.</summary>
    public static long BytesIn(HttpContext context) => context.Features.Get<CountingPipeReader>()?.BytesRead ?? 0;

    /// <summary>The response's status, or 499 when the client went away first.</summary>
    public static int Status(HttpContext context) =>
        context.RequestAborted.IsCancellationRequested ? 499 : context.Response.StatusCode;

    public static string KeyForLog(HttpContext context)
    {
        try
        {
            return ObjectKey.FromRequest(context).Value;
        }
        catch (Storage.StoreException)
        {
            return "(invalid key)";
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "audit token={Token:l} action={Action:l} key={Key:l} bytes={Bytes} status={Status}")]
    private static partial void LogAudit(ILogger logger, string token, string action, string key, long bytes, int status);

    /// <summary>Counts the bytes its reader consumes (what the gateway read of the body).</summary>
    internal sealed class CountingPipeReader(PipeReader inner) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public long BytesRead { get; private set; }

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            _last = result.Buffer;
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed)
        {
            Count(consumed);
            inner.AdvanceTo(consumed);
        }

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            Count(consumed);
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        // Before the inner reader may reuse the buffers.
        private void Count(SequencePosition consumed)
        {
            BytesRead += _last.Slice(_last.Start, consumed).Length;
            _last = default;
        }
    }
}
