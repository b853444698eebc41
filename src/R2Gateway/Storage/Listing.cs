using System.Buffers.Text;
using System.Text;

namespace R2Gateway.Storage;

/// <summary>One page of a listing with prefix, delimiter, startAfter, cursor and limit, as R2's list() answers it,
/// for stores that do not list natively.</summary>
public static class Listing
{
    public const int MaxLimit = 1000;

    public static ObjectListing Page(IEnumerable<ObjectInfo> objects, ListRequest request)
    {
        var after = DecodeCursor(request.Cursor);
        var page = new List<ObjectInfo>();
        var prefixes = new List<string>();
        string? last = null;
        foreach (var info in objects.Where(o => o.Key.StartsWith(request.Prefix, StringComparison.Ordinal)
                         && (request.StartAfter is null || string.CompareOrdinal(o.Key, request.StartAfter) > 0))
                     .OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            var rest = info.Key.AsSpan(request.Prefix.Length);
            var cut = string.IsNullOrEmpty(request.Delimiter) ? -1 : rest.IndexOf(request.Delimiter, StringComparison.Ordinal);
            var entry = cut < 0 ? info.Key : string.Concat(request.Prefix, rest[..(cut + request.Delimiter!.Length)]);
            if (entry == last || (after is not null && string.CompareOrdinal(entry, after) <= 0))
            {
                continue; // a key under a prefix already listed, or before the cursor
            }

            if (page.Count + prefixes.Count == request.Limit)
            {
                return new ObjectListing(page, prefixes, true, EncodeCursor(last!));
            }

            if (cut < 0)
            {
                page.Add(info);
            }
            else
            {
                prefixes.Add(entry);
            }

            last = entry;
        }

        return new ObjectListing(page, prefixes, false, null);
    }

    /// <summary>Opaque to clients; the last entry returned, which the next page starts after.</summary>
    public static string EncodeCursor(string lastEntry) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastEntry));

    public static string? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw Error.BadCursor();
        }
    }
}
