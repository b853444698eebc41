using R2Gateway.Observability;

namespace R2Gateway.Http;

/// <summary>Counts each request's body bytes (for the request log and the metrics), records what it moved
/// and whether it was refused in <see cref="GatewayMetrics"/>, and writes the audit line of every write
/// and delete: who changed what.</summary>
public sealed partial class RequestAccounting(RequestDelegate next, ILogger<RequestAccounting> logger, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var body = new CountingReadStream(context.Request.Body);
        context.Request.Body = body;
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
    public static long BytesIn(HttpContext context) => context.Features.Get<CountingReadStream>()?.BytesRead ?? 0;

    /// <summary>The response's status, or 499 when the client went away first.</summary>
    public static int Status(HttpContext context) => Status(context, context.Response.StatusCode);

    /// <summary><paramref name="statusCode"/>, or 499 when the client went away first.</summary>
    public static int Status(HttpContext context, int statusCode) =>
        context.RequestAborted.IsCancellationRequested ? 499 : statusCode;

    public static string KeyForLog(HttpContext context)
    {
        try
        {
            return ObjectKey.FromRequest(context).Value;
        }
        catch (ContractException)
        {
            return "(invalid key)";
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "audit token={Token:l} action={Action:l} key={Key:l} bytes={Bytes} status={Status}")]
    private static partial void LogAudit(ILogger logger, string token, string action, string key, long bytes, int status);

    internal sealed class CountingReadStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            BytesRead += read;
            return read;
        }
    }
}
