namespace R2Gateway.Testing;

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("r2gw-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
