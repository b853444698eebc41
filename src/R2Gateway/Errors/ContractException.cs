namespace R2Gateway.Errors;

/// <summary>
/// The one exception for a contract error, whichever layer finds it (store, HTTP binding, handler,
/// S3 signature check): a code from <see cref="ErrorCode"/> and a message a person can act on, made
/// by a factory in <see cref="Error"/> so each message is written once.
/// <para>The rule: handlers and filters return typed results only for what they serve; every refusal
/// is thrown as this exception, never returned. Each API answers it in one place, with the statuses
/// of <see cref="ErrorCodes"/>: <c>ContractExceptionHandler</c> as problem+json, <c>S3Endpoint</c>
/// as S3 XML.</para>
/// </summary>
public sealed class ContractException(ErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorCode Code { get; } = code;

    /// <summary>Response headers the answer needs (Retry-After, Allow, WWW-Authenticate): set on the
    /// error, not the response, because an exception handler starts from a cleared response.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = NoHeaders;

    /// <summary>The same error, keeping what caused it (a backend's answer) for the log and for callers that look at it.</summary>
    public ContractException CausedBy(Exception inner) => new(Code, Message, inner) { Headers = Headers };

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
}
