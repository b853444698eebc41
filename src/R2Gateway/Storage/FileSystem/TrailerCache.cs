namespace R2Gateway.Storage.FileSystem;

/// <summary>Values parsed from recently read trailers, found by the trailer's bytes: equal bytes parse to an
/// equal value, so a hit is exact whatever happened to the file, and a GET or HEAD of a hot object skips the
/// JSON parse. The path only picks the slot; a colliding path takes it over, so the cache stays
/// <c>slots</c> entries of at most <c>maxJsonBytes</c> each.</summary>
internal sealed class TrailerCache<T>(int slots, int maxJsonBytes) where T : class
{
    private readonly Entry?[] _entries = new Entry?[slots];

    public T GetOrParse(string path, byte[] json, Func<byte[], string, T> parse)
    {
        ref var slot = ref _entries[(uint)path.GetHashCode() % (uint)_entries.Length];
        if (Volatile.Read(ref slot) is { } entry && entry.Json.AsSpan().SequenceEqual(json))
        {
            return entry.Value;
        }

        var value = parse(json, path);
        if (json.Length <= maxJsonBytes)
        {
            Volatile.Write(ref slot, new Entry(json, value));
        }

        return value;
    }

    private sealed record Entry(byte[] Json, T Value);
}
