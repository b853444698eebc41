using System.Diagnostics;

namespace R2Gateway.Http;

/// <summary>One log line per request: method, key, action, status, bytes in and out, milliseconds.
/// The query string is never logged: it may carry signatures.</summary>
public sealed partial class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var body = new CountingReadStream(context.Request.Body);
        context.Request.Body = body;
        try
        {
            await next(context);
        }
        finally
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var action = context.Request.Action() ?? "";
                var key = action.Length > 0 ? KeyForLog(context) : context.Request.Path.Value;
                var status = context.RequestAborted.IsCancellationRequested ? 499 : context.Response.StatusCode;
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogRequest(logger, context.Request.Method, key, action, status, body.BytesRead, context.Response.ContentLength, elapsed);
                if (context.GetEndpoint()?.Metadata.GetMetadata<ObjectActionMetadata>() is { Right: Security.Right.Write or Security.Right.Delete })
                {
                    // Who changed what: the token's name (never the token), or how the request was authorised.
                    var who = context.User.Identity?.Name
                        ?? (context.Items.ContainsKey(Security.PresignedUrlFilter.VerifiedItem) ? "(presigned URL)" : "(anonymous)");
                    LogAudit(logger, who, action, key, body.BytesRead, status);
                }
            }
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "audit token={Token} action={Action} key={Key} bytes={Bytes} status={Status}")]
    private static partial void LogAudit(ILogger logger, string token, string action, string? key, long bytes, int status);

    private static string KeyForLog(HttpContext context)
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "{Method} {Key} action={Action} -> {Status} in={BytesIn} out={BytesOut} {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string? key, string action, int status, long bytesIn, long? bytesOut, double elapsedMs);

    private sealed class CountingReadStream(Stream inner) : Stream
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
