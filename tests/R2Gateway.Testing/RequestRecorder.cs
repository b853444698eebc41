using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace R2Gateway.Testing;

/// <summary>What the gateway saw, recorded server-side: every object request with its action, part
/// and status, and how many part uploads ran at once. It can also slow part uploads down, so a
/// test can act (reload, cancel, screenshot) while an upload is under way.</summary>
public sealed class RequestRecorder
{
    private int _inFlight;

    public ConcurrentQueue<Seen> Requests { get; } = new();

    private int _maxConcurrentParts;

    public int MaxConcurrentParts => Volatile.Read(ref _maxConcurrentParts);

    /// <summary>Part uploads the gateway is handling right now (held back or being stored).</summary>
    public int PartsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>How long to hold a part upload before it is handled, by part number.</summary>
    public Func<int, TimeSpan> PartDelay { get; set; } = _ => TimeSpan.Zero;

    /// <summary>Runs before each object request is handled, with its action: a test's way to change the
    /// store between a client's attempts.</summary>
    public Func<string, Task> BeforeRequest { get; set; } = _ => Task.CompletedTask;

    public IEnumerable<Seen> Parts(int status = StatusCodes.Status200OK) =>
        Requests.Where(r => r.Action == "mpu-uploadpart" && r.Status == status);

    public void AddTo(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new Filter(this));

    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var q = context.Request.Query;
        var action = q["action"].ToString();
        var isPart = action == "mpu-uploadpart";
        var partNumber = int.TryParse(q["partNumber"], out var n) ? n : 0;
        if (isPart)
        {
            RaiseMax(Interlocked.Increment(ref _inFlight));
            await Task.Delay(PartDelay(partNumber)); // a slow server is the condition under test, not a wait
        }

        try
        {
            if (action.Length > 0)
            {
                await BeforeRequest(action);
            }

            await next(context);
        }
        finally
        {
            if (isPart)
            {
                Interlocked.Decrement(ref _inFlight);
            }

            if (action.Length > 0)
            {
                Requests.Enqueue(new Seen(context.Request.Method, action, q["uploadId"].ToString(), partNumber, context.Response.StatusCode));
            }
        }
    }

    private void RaiseMax(int now)
    {
        // Parts arrive side by side, so a plain max could lose the highest count to a racing lower one.
        for (var seen = _maxConcurrentParts; now > seen; seen = _maxConcurrentParts)
        {
            if (Interlocked.CompareExchange(ref _maxConcurrentParts, now, seen) == seen)
            {
                return;
            }
        }
    }

    public sealed record Seen(string Method, string Action, string UploadId, int PartNumber, int Status);

    private sealed class Filter(RequestRecorder recorder) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) => recorder.RecordAsync(context, nextMiddleware));
            next(app);
        };
    }
}
