using System.Globalization;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace R2Gateway.Cli.Gateway;

/// <summary>How hard to try: attempts, first backoff delay, and the limit on one request.</summary>
public sealed record RetrySettings(int MaxRetries, TimeSpan FirstDelay, TimeSpan AttemptTimeout)
{
    public static readonly RetrySettings Default = new(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5));
}

/// <summary>The Polly pipelines every request goes through: exponential backoff with jitter on 5xx,
/// 429, timeouts and dropped connections. A part or a request is retried, never the whole transfer.</summary>
public static class RetryPolicy
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>For a request with its answer; each attempt is bounded by <see cref="RetrySettings.AttemptTimeout"/>.</summary>
    public static ResiliencePipeline ForRequests(RetrySettings settings, Action<string> onRetry) =>
        WithRetry(settings, onRetry).AddTimeout(settings.AttemptTimeout).Build();

    /// <summary>For a download, which may rightly take hours: no limit on the attempt, the reader watches for stalls.</summary>
    public static ResiliencePipeline ForStreams(RetrySettings settings, Action<string> onRetry) =>
        WithRetry(settings, onRetry).Build();

    /// <summary>Runs one named operation through <paramref name="pipeline"/>; the name leads its retry notes.</summary>
    public static async Task<T> RunAsync<T>(this ResiliencePipeline pipeline, string operation, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await pipeline.ExecuteAsync(static async (context, attempt) => await attempt(context.CancellationToken), context, attempt);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public static bool IsTransient(Exception exception) => exception switch
    {
        GatewayException e => e.IsTransient,
        LocalFileException => false,
        HttpRequestException e => e.InnerException is not LocalFileException, // refused, reset, dropped mid-body
        HttpIOException or TimeoutRejectedException or TimeoutException => true,
        _ => false,
    };

    private static ResiliencePipelineBuilder WithRetry(RetrySettings settings, Action<string> onRetry) =>
        settings.MaxRetries > 0 ? new ResiliencePipelineBuilder().AddRetry(Options(settings, onRetry)) : new ResiliencePipelineBuilder();

    private static RetryStrategyOptions Options(RetrySettings settings, Action<string> onRetry) => new()
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
        MaxRetryAttempts = settings.MaxRetries,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = settings.FirstDelay,
        MaxDelay = MaxDelay,
        DelayGenerator = args => ValueTask.FromResult(
            args.Outcome.Exception is GatewayException { RetryAfter: { } after } ? (TimeSpan?)(after < MaxDelay ? after : MaxDelay) : null),
        OnRetry = args =>
        {
            onRetry(string.Create(CultureInfo.InvariantCulture,
                $"{args.Context.OperationKey}: attempt {args.AttemptNumber + 1} failed ({args.Outcome.Exception?.Message}); retrying in {args.RetryDelay.TotalSeconds:0.0} s"));
            return ValueTask.CompletedTask;
        },
    };
}
