namespace R2Gateway.FunctionalTests.Infrastructure;

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("r2gw-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
