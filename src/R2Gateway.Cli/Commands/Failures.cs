using Polly.Timeout;
using R2Gateway.Cli.Gateway;

namespace R2Gateway.Cli.Commands;

/// <summary>The command line asks for something that cannot be done; exit code 2.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}

/// <summary>A transfer that stopped part-way and can be continued; <see cref="Hint"/> says how.</summary>
public sealed class ResumableException : Exception
{
    public ResumableException(string hint, Exception innerException)
        : base(innerException.Message, innerException) => Hint = hint;

    public string? Hint { get; }
}

public sealed record Failure(int ExitCode, string Message, string? Hint = null);

/// <summary>Known failures as an exit code and one line; anything else is a bug and keeps its stack trace.</summary>
public static class Failures
{
    public static Failure? Describe(Exception exception, CommandContext context, CancellationToken cancellationToken)
    {
        if (exception is ResumableException { InnerException: { } cause } resumable)
        {
            return Describe(cause, context, cancellationToken) is { } inner ? inner with { Hint = resumable.Hint } : null;
        }

        var local = Find<LocalFileException>(exception);
        return exception switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested => new(ExitCodes.Interrupted, "interrupted"),
            UsageException => new(ExitCodes.Usage, exception.Message),
            VerificationException => new(ExitCodes.Verification, $"verification failed: {exception.Message}"),
            GatewayException => new(ExitCodes.Gateway, exception.Message),
            _ when local is not null => new(ExitCodes.LocalIo, local.Message),
            HttpRequestException e => new(ExitCodes.Gateway, $"cannot reach the gateway at {context.Gateway.Endpoint}: {Innermost(e).Message}"),
            TimeoutRejectedException => new(ExitCodes.Gateway, $"the gateway did not answer within {context.Gateway.AttemptTimeout} (see --timeout)"),
            IOException or UnauthorizedAccessException => new(ExitCodes.LocalIo, exception.Message),
            _ => null,
        };
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception exception) => exception.InnerException is { } inner ? Innermost(inner) : exception;
}
