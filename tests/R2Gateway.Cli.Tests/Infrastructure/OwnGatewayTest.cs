using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests.Infrastructure;

/// <summary>A test class with a gateway of its own, failing every Nth part request (0: never),
/// and a temp directory for its files.</summary>
public abstract class OwnGatewayTest(int failEveryNthPart) : IDisposable
{
    protected CliGateway Gateway { get; } = CliGateway.FailingEveryNthPart(failEveryNthPart);

    protected TempDir Dir { get; } = new();

    public void Dispose()
    {
        Gateway.Dispose();
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
