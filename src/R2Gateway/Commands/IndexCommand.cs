using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Commands;

/// <summary>
/// <c>index rebuild</c>: rebuilds the filesystem store's listing index from the object files. The
/// store does this by itself when the index is missing or damaged; the command is for an operator
/// who copied objects in, restored a backup, or wants to be sure. Safe while gateways serve the root.
/// </summary>
public static class IndexCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["rebuild"])
        {
            await Console.Error.WriteLineAsync("usage: index rebuild");
            return 2;
        }

        if (services.GetService<FileSystemObjectStore>() is not { } store)
        {
            await Console.Error.WriteLineAsync("index: Storage:Provider is not FileSystem; only the filesystem store keeps an index.");
            return 2;
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var count = store.RebuildIndex();
        Console.WriteLine($"Indexed {count} objects in {started.Elapsed.TotalSeconds:0.0} s.");
        return 0;
    }
}
