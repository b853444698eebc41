using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using R2Gateway.BrowserTests.Infrastructure;
using R2Gateway.Testing;

namespace R2Gateway.BrowserTests.Pages;

/// <summary>The upload page with the S3 store on a real S3 server: the browser sends its S3 requests
/// straight to the bucket with SigV4 URLs the gateway signs, so the bytes never pass through the gateway.</summary>
[Trait("Needs", "Browser")]
[Trait("Needs", "S3")]
public sealed class UploadPageOnS3Tests : IDisposable
{
    private readonly S3TestServer _s3 = S3TestServer.Shared;
    private readonly string _bucket = S3TestServer.Shared.CreateUniqueBucket("browser-uploads");
    private readonly TempDir _files = new();

    public void Dispose()
    {
        _s3.DeleteBucket(_bucket);
        _files.Dispose();
    }

    [Fact]
    public async Task The_browser_uploads_parts_straight_to_the_bucket_with_presigned_urls()
    {
        var recorder = new RequestRecorder();
        using var gateway = GatewayFactory.Start(_s3.GatewaySettings(_bucket), recorder.AddTo);
        var origin = gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

        // The bucket must let the page's origin PUT and read ETag: the gateway's own command does it.
        var settings = _s3.GatewaySettings(_bucket).Append(new("Cors:AllowedOrigins:0", origin)).Select(s => $"--{s.Key}={s.Value}");
        var (exitCode, output) = await ProcessRunner.RunAsync("dotnet", [typeof(Program).Assembly.Location, "cors", "apply", .. settings]);
        exitCode.Should().Be(0, output);

        // Trust exactly the test server's certificate, by its public key, and nothing else.
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(_s3.CaCertificate);
        var spki = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var chromium = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Browser.ChromiumPath,
            Headless = true,
            ChromiumSandbox = false,
            Args = ["--disable-gpu", "--disable-quic", "--disable-background-networking", $"--ignore-certificate-errors-spki-list={spki}"],
        });
        var page = new UploadPage(await chromium.NewPageAsync());
        var path = Path.Combine(_files.Path, "straight-to-bucket.bin");
        var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        await File.WriteAllBytesAsync(path, data);

        var wire = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Page.Request += (_, request) => wire.Enqueue($"{request.Method} {request.Url}");
        await page.OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(path);
        await page.StartAsync();
        await page.WaitForCompleteAsync();
        await page.WaitForObjectRowAsync("straight-to-bucket.bin");
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-s3-done") });

        using var direct = _s3.Client(_bucket);
        using var stored = await direct.GetObjectAsync(_bucket, "straight-to-bucket.bin");
        using var bytes = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(bytes);
        bytes.ToArray().Should().Equal(data);
        recorder.Requests.Count(r => r.Action == "s3-sign" && r.Status == 200).Should().Be(5, "the gateway signed the create, the three 8 MiB parts of 20 MiB and the complete");
        wire.Where(r => r.Contains("partNumber=", StringComparison.Ordinal)).Should().HaveCount(3)
            .And.OnlyContain(r => r.StartsWith($"PUT {_s3.Endpoint.GetLeftPart(UriPartial.Authority)}/{_bucket}/", StringComparison.Ordinal), "the parts went to the bucket, not through the gateway");
    }
}
