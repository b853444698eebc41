using System.Collections.Concurrent;

namespace R2Gateway.Http;

/// <summary>Hands out one logger per category. Serilog's factory builds a new logger, with its own caches,
/// on every call, and ASP.NET Core creates its authentication handlers per request, each asking for one:
/// a fifth of a 4 KiB GET's allocations (benchmarks.md, "A small GET against the framework's own floor"). Microsoft's own
/// factory caches the same way; categories are type names, so the cache stays small.</summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, factory) => factory.CreateLogger(name), inner);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
