namespace R2Gateway.Storage.FileSystem;

/// <summary>Values parsed from recently read trailers, found by the trailer's bytes: equal bytes parse to an
/// equal value, so a hit is exact whatever happened to the file, and a GET or HEAD of a hot object skips the
/// JSON parse. The path only picks the slot; a colliding path takes it over, so the cache stays
/// <c>slots</c> entries of at most <c>maxJsonBytes</c> each. An entry also remembers its file's length, a guess
/// that lets the next read of that path find the trailer without asking the file's length first.</summary>
internal sealed class TrailerCache<T>(int slots, int maxJsonBytes) where T : class
{
    private readonly Entry?[] _entries = new Entry?[slots];

    /// <summary>The length of the file last parsed into the slot of <paramref name="path"/>: a guess for
    /// <see cref="BlobFile.ReadTrailerJson"/> to check, not a fact (a colliding path may have taken the slot).</summary>
    public long? LengthHint(string path) => Volatile.Read(ref Slot(path)) is { FileLength: > 0 } entry ? entry.FileLength : null;

    public T GetOrParse(string path, byte[] json, Func<byte[], string, T> parse, long fileLength = 0)
    {
        ref var slot = ref Slot(path);
        if (Volatile.Read(ref slot) is { } entry && entry.Json.AsSpan().SequenceEqual(json))
        {
            if (entry.FileLength != fileLength)
            {
                Volatile.Write(ref slot, entry with { FileLength = fileLength });
            }

            return entry.Value;
        }

        var value = parse(json, path);
        if (json.Length <= maxJsonBytes)
        {
            Volatile.Write(ref slot, new Entry(json, value, fileLength));
        }

        return value;
    }

    private ref Entry? Slot(string path) => ref _entries[(uint)path.GetHashCode() % (uint)_entries.Length];

    private sealed record Entry(byte[] Json, T Value, long FileLength);
}
