namespace R2Gateway.Testing;

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("r2gw-test-").FullName;

    /// <summary>Idempotent: a fixture's Dispose and DisposeAsync may both run.</summary>
    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
