using R2Gateway.Http;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Bench;

/// <summary>
/// The put's work on ASP.NET Core and nothing else: Kestrel with the gateway's connection buffers, the
/// store's copy loop (MD5 on a second thread, four 1 MiB buffers) into a file with its write-behind
/// window. bench/run.sh compares its CPU with the C floor's (what the framework costs) and with the
/// gateway's (what the gateway's features cost).
/// Usage: KestrelPutFloor --urls http://127.0.0.1:PORT OUTPUT_FILE; PUT any path, the answer is the body's hex MD5.
/// </summary>
internal static class KestrelPutFloor
{
    private static void Main(string[] args)
    {
        var output = args[^1];
        var builder = WebApplication.CreateSlimBuilder(args[..^1]);
        builder.Logging.ClearProviders();
        builder.Services.AddConnectionBuffers();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.MapGet("/", () => "ready");
        app.MapPut("/{**path}", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            await using var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            var (_, md5, _) = await BlobFile.CopyHashingAsync(request.Body, new WriteBehindFileStream(file), long.MaxValue, null, cancellationToken);
            return Convert.ToHexStringLower(md5);
        });
        app.Run();
    }
}
