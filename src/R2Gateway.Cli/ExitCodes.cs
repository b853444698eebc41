namespace R2Gateway.Cli;

/// <summary>What r2gw's exit status means; the README lists the same table.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The gateway answered with an error, or could not be reached after the retries.</summary>
    public const int Gateway = 1;

    /// <summary>The command line was not understood.</summary>
    public const int Usage = 2;

    /// <summary>The gateway's ETag (or size) differs from the one computed from the local file.</summary>
    public const int Verification = 3;

    /// <summary>A local file could not be read or written.</summary>
    public const int LocalIo = 4;

    /// <summary>Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
