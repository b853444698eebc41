using Microsoft.Net.Http.Headers;

namespace R2Gateway.Http;

/// <summary>Where ASP.NET Core's file result departs from RFC 9110, the request is adjusted before it runs.</summary>
public static class ConditionalRequests
{
    public static void Normalize(HttpRequest request, string etag)
    {
        var h = request.Headers;

        // A range unit other than bytes must be ignored (§14.2), not read as bytes.
        if (h.Range.Count > 0 && !h.Range.ToString().TrimStart().StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            h.Remove(HeaderNames.Range);
        }

        // §13.2.2: an If-Match that holds is done (and If-Unmodified-Since is not evaluated at all);
        // If-None-Match is evaluated next. The file result weighs them together and would answer 200
        // where both match; without the satisfied If-Match it answers 304.
        if (h.IfMatch.Count > 0)
        {
            h.Remove(HeaderNames.IfUnmodifiedSince);
            if (IfMatchHolds(h.IfMatch.ToString(), etag))
            {
                h.Remove(HeaderNames.IfMatch);
            }
        }
    }

    private static bool IfMatchHolds(string header, string etag)
    {
        if (header.Trim() == "*")
        {
            return true;
        }

        var current = new EntityTagHeaderValue($"\"{etag}\"");
        return EntityTagHeaderValue.TryParseList([header], out var tags)
            && tags.Any(t => t.Compare(current, useStrongComparison: true));
    }
}
