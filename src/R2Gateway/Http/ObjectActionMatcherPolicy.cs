using Microsoft.AspNetCore.Routing.Matching;

namespace R2Gateway.Http;

/// <summary>The routing rule of the contract, in one place: a request with <c>?action=</c> addresses an
/// object; one without is for the gateway's own pages.</summary>
public static class ObjectRequests
{
    /// <summary>The request's action, "" for <c>?action=</c>, or null when it has none.</summary>
    public static string? Action(this HttpRequest request) =>
        request.Query.TryGetValue("action", out var action) ? action.ToString() : null;

    public static bool AddressesObject(this HttpRequest request) => request.Action() is not null;
}

/// <summary>Marks an endpoint as the handler of one <c>?action=</c> value, and what a token needs to call it.</summary>
public sealed record ObjectActionMetadata(string Action, Security.Right Right = Security.Right.Read)
{
    /// <summary>The endpoint that answers requests no action endpoint takes.</summary>
    public static readonly ObjectActionMetadata Unmatched = new(string.Empty);

    public bool IsUnmatched => Action.Length == 0;
}

/// <summary>
/// Routes on the query string: a request with <c>?action=</c> always addresses an object, so only
/// the endpoint for that action (or the unmatched one) may take it; a request without one goes to
/// the gateway's own pages (/healthz, /openapi, ...) or, failing those, to the unmatched endpoint.
/// </summary>
public sealed class ObjectActionMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ObjectActionMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var action = httpContext.Request.Action();
        var hasAction = action is not null;
        var matched = false;
        for (var i = 0; i < candidates.Count; i++)
        {
            var meta = candidates[i].Endpoint.Metadata.GetMetadata<ObjectActionMetadata>();
            var valid = hasAction
                ? meta is not null && (meta.IsUnmatched || meta.Action == action)
                : meta is null || meta.IsUnmatched;
            valid &= candidates.IsValidCandidate(i);
            matched |= valid && meta is { IsUnmatched: false };
            candidates.SetValidity(i, valid);
        }

        if (matched)
        {
            for (var i = 0; i < candidates.Count; i++)
            {
                if (candidates[i].Endpoint.Metadata.GetMetadata<ObjectActionMetadata>() is { IsUnmatched: true })
                {
                    candidates.SetValidity(i, false);
                }
            }
        }

        return Task.CompletedTask;
    }
}
