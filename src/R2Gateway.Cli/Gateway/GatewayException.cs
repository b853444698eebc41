using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace R2Gateway.Cli.Gateway;

/// <summary>An error answer of the gateway, with its problem+json <c>detail</c> and <c>code</c> in one readable line.</summary>
public sealed class GatewayException : Exception
{
    public GatewayException(string message)
        : base(message)
    {
    }

    public GatewayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }



    private GatewayException(HttpStatusCode status, string? code, string message, TimeSpan? retryAfter)
        : base(message)
    {
        Status = status;
        Code = code;
        RetryAfter = retryAfter;
    }

    public HttpStatusCode? Status { get; }

    public string? Code { get; }

    /// <summary>The gateway's Retry-After, honoured by the retry policy instead of its own backoff.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Worth trying again: the gateway or its store is overloaded or briefly failing.</summary>
    public bool IsTransient => Status is { } status && ((int)status >= 500 || status == HttpStatusCode.TooManyRequests);

    public static async Task<GatewayException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Problem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is { } type && type.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync<Problem>(GatewayClient.Json, cancellationToken);
            }
            catch (JsonException)
            {
                // Not the problem+json the contract promises: the status line still says what happened.
            }
        }

        var request = response.RequestMessage;
        var what = request is null ? "" : $" ({request.Method} {request.RequestUri?.AbsolutePath}?action={ActionOf(request.RequestUri)})";
        var detail = problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "no detail";
        var message = $"gateway answered {(int)response.StatusCode}{(problem?.Code is { } code ? " " + code : "")}: {OneLine(detail)}{what}";
        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new GatewayException(response.StatusCode, problem?.Code, message, retryAfter);
    }

    private static string ActionOf(Uri? uri) =>
        uri?.Query.TrimStart('?').Split('&').FirstOrDefault(p => p.StartsWith("action=", StringComparison.Ordinal))?["action=".Length..] ?? "";

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
