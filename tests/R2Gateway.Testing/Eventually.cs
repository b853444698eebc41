using System.Diagnostics;
using System.Net;

namespace R2Gateway.Testing;

/// <summary>Waiting for something a test can observe, instead of sleeping and hoping: polls a
/// condition until it holds and fails with <c>because</c> when it does not in time.</summary>
public static class Eventually
{
    /// <summary>How often a condition is checked: short, since checks are cheap local reads.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>The default bound: generous, since the machines running the suite are shared and slow;
    /// a condition that holds returns at once, so the bound only costs time when a test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Returns as soon as <paramref name="condition"/> holds; throws <see cref="TimeoutException"/>
    /// naming <paramref name="because"/> when it still does not after <paramref name="timeout"/>.</summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan? timeout = null, string because = "the condition held")
    {
        var bound = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > bound)
            {
                throw new TimeoutException($"Waited {bound.TotalSeconds:0.#} s for: {because}.");
            }

            await Task.Delay(Interval);
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan? timeout = null, string because = "the condition held") =>
        Until(() => Task.FromResult(condition()), timeout, because);

    /// <summary>Polls <paramref name="read"/> until its value satisfies <paramref name="done"/>, and returns that value.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, string because = "the value was as expected")
    {
        T value = default!;
        await Until(async () => done(value = await read()), timeout, because);
        return value;
    }

    public static Task<T> Until<T>(Func<T> read, Func<T, bool> done, TimeSpan? timeout = null, string because = "the value was as expected") =>
        Until(() => Task.FromResult(read()), done, timeout, because);

    /// <summary>Asserts that <paramref name="condition"/> keeps holding for all of <paramref name="period"/>:
    /// the one honest use of waiting a fixed time, proving that something does NOT happen (no duplicate,
    /// no new request). Fails as soon as the condition breaks.</summary>
    public static async Task StaysTrue(Func<Task<bool>> condition, TimeSpan period, string because)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            if (!await condition())
            {
                throw new InvalidOperationException($"Within {period.TotalSeconds:0.#} s this stopped holding: {because}.");
            }

            await Task.Delay(Interval);
        }
        while (clock.Elapsed < period);
    }

    public static Task StaysTrue(Func<bool> condition, TimeSpan period, string because) =>
        StaysTrue(() => Task.FromResult(condition()), period, because);

    /// <summary>Polls <paramref name="url"/> until a server answers it at all and returns the status it
    /// answered: for a server process that is starting. Fails at once when <paramref name="process"/> exits.</summary>
    public static async Task<HttpStatusCode> Answers(HttpClient client, string url, Process? process = null, TimeSpan? timeout = null)
    {
        HttpStatusCode? status = null;
        await Until(
            async () =>
            {
                try
                {
                    using var response = await client.GetAsync(url);
                    status = response.StatusCode;
                    return true;
                }
                catch (HttpRequestException)
                {
                    return process is { HasExited: true }
                        ? throw new InvalidOperationException($"The server process exited with {process.ExitCode} before answering {url}.")
                        : false;
                }
            },
            timeout ?? TimeSpan.FromSeconds(60),
            $"a server answered {url}");
        return status!.Value;
    }
}
