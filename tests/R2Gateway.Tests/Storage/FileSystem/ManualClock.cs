namespace R2Gateway.Tests.Storage.FileSystem;

/// <summary>A clock the test sets by hand.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
