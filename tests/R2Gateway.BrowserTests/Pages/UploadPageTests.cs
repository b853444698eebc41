using System.Net;
using System.Security.Cryptography;
using R2Gateway.BrowserTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using PageOptions = R2Gateway.Http.PageOptions;

namespace R2Gateway.BrowserTests.Pages;

/// <summary>The upload page at / in headless Chromium, against the filesystem store.</summary>
[Trait("Needs", "Browser")]
[Collection(BrowserTestGroup.Name)]
public sealed class UploadPageTests(Browser browser) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDir _root = new();
    private readonly TempDir _files = new();
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _root.Dispose();
        _files.Dispose();
    }

    private (GatewayFactory Gateway, RequestRecorder Recorder) StartGateway(
        Dictionary<string, string?>? settings = null, string? root = null, Action<IServiceCollection>? services = null)
    {
        var recorder = new RequestRecorder();
        var all = new Dictionary<string, string?> { ["Storage:FileSystem:Root"] = root ?? _root.Path };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var gateway = GatewayFactory.Start(all, s =>
        {
            recorder.AddTo(s);
            services?.Invoke(s);
        });
        _owned.Add(gateway);
        return (gateway, recorder);
    }

    private string MakeFile(string name, int size)
    {
        var path = Path.Combine(_files.Path, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    private async Task<UploadPage> OpenAsync(string url)
    {
        var context = await browser.Chromium.NewContextAsync(new() { AcceptDownloads = true });
        var page = new UploadPage(await context.NewPageAsync());
        await page.OpenAsync(url);
        return page;
    }

    [Fact]
    public async Task A_40_MiB_file_uploads_as_parallel_parts_and_arrives_byte_exact()
    {
        var (gateway, recorder) = StartGateway();
        recorder.PartDelay = _ => TimeSpan.FromMilliseconds(600); // time for a mid-upload screenshot
        var file = MakeFile("big-40MiB.bin", 40 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());

        await page.AddFilesAsync(file);
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-ready") });
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getState().totalProgress > 10");
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-mid-upload") });
        await page.WaitForCompleteAsync();
        await page.WaitForObjectRowAsync("big-40MiB.bin");
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-done") });

        var api = new GatewayApi(gateway.CreateClient());
        (await api.GetBytesAsync("big-40MiB.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
        recorder.Parts().Select(p => p.PartNumber).Should().BeEquivalentTo([1, 2, 3, 4, 5], "40 MiB in 8 MiB parts, each sent once");
        recorder.MaxConcurrentParts.Should().BeGreaterThan(1, "parts go up in parallel");
        recorder.Requests.Should().Contain(r => r.Action == "mpu-complete" && r.Status == 200);
    }

    [Fact]
    public async Task Several_small_files_upload_with_presigned_puts()
    {
        var (gateway, recorder) = StartGateway();
        var files = new[] { MakeFile("a.txt", 1000), MakeFile("b.bin", 200_000), MakeFile("c.bin", 3 * MiB) };
        var page = await OpenAsync(gateway.BaseAddress.ToString());

        await page.AddFilesAsync(files);
        await page.StartAsync();
        await page.WaitForCompleteAsync(files: 3);

        var api = new GatewayApi(gateway.CreateClient());
        foreach (var file in files)
        {
            (await api.GetBytesAsync(Path.GetFileName(file))).Should().Equal(await File.ReadAllBytesAsync(file));
        }

        recorder.Requests.Count(r => r.Action == "put" && r.Status == 200).Should().Be(3);
        recorder.Requests.Count(r => r.Action == "presign").Should().Be(3);
    }

    [Fact]
    public async Task A_file_sent_whole_carries_its_sha256_and_the_list_shows_metadata_and_checksums()
    {
        var (gateway, recorder) = StartGateway();
        var api = new GatewayApi(gateway.CreateClient());
        using (var tagged = await api.PutAsync("tagged.txt", [1, 2, 3], r => r.Headers.Add("x-amz-meta-owner", "alice")))
        {
            tagged.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var file = MakeFile("whole.bin", 300_000);
        var page = await OpenAsync(gateway.BaseAddress.ToString());

        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.WaitForCompleteAsync();

        recorder.Requests.Count(r => r.Action == "put" && r.Status == 200).Should().Be(2, "the tagged object's put and the page's");
        var sha256 = SHA256.HashData(await File.ReadAllBytesAsync(file));
        using (var head = await api.GetAsync("whole.bin", r => r.Method = HttpMethod.Head))
        {
            head.Headers.GetValues("x-amz-checksum-sha256").Single().Should().Be(Convert.ToBase64String(sha256), "the page sent the file's SHA-256 and the gateway checked and kept it");
        }

        await page.WaitForObjectRowAsync("whole.bin");
        (await page.Page.Locator("#objects tr[data-key='whole.bin'] td.details").InnerTextAsync())
            .Should().Contain($"sha256: {Convert.ToHexStringLower(sha256)}");
        await page.Page.ClickAsync("#refresh");
        await page.WaitForObjectRowAsync("tagged.txt");
        (await page.Page.Locator("#objects tr[data-key='tagged.txt'] td.details").InnerTextAsync())
            .Should().Contain("meta owner: alice").And.Contain("md5: ");
    }

    [Fact]
    public async Task Cancel_aborts_the_multipart_upload()
    {
        var (gateway, recorder) = StartGateway();
        recorder.PartDelay = _ => TimeSpan.FromSeconds(3);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(MakeFile("cancelled.bin", 24 * MiB));
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles()[0].s3Multipart?.uploadId");
        var uploadId = await page.Page.EvaluateAsync<string>("() => window.r2gateway.uppy.getFiles()[0].s3Multipart.uploadId");

        await page.Page.Locator(".uppy-StatusBar-actionBtn--cancel, button[title='Cancel'], button[aria-label='Cancel']").First.ClickAsync();

        await Eventually.Until(() => recorder.Requests.Any(r => r.Action == "mpu-abort" && r.Status == 204), TimeSpan.FromSeconds(20), "the page aborted the upload");

        recorder.Requests.Should().Contain(r => r.Action == "mpu-abort" && r.UploadId == uploadId && r.Status == 204);
        using var client = gateway.CreateClient();
        (await client.GetAsync(GatewayApi.Url("cancelled.bin", "mpu-listparts", $"uploadId={uploadId}"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        Directory.EnumerateDirectories(Path.Combine(_root.Path, "uploads")).Should().BeEmpty();
    }

    /// <summary>Page:GatewayOrigins filled in after the gateways have their ports (read on first use).</summary>
    private static Action<IServiceCollection> ListGateways(List<string> origins) =>
        services => services.PostConfigure<PageOptions>(o => o.GatewayOrigins.AddRange(origins));

    // Issue 11, item 4: the page sends its token to no origin its server does not list.
    [Fact]
    public async Task The_page_never_sends_its_token_to_a_gateway_its_server_does_not_list()
    {
        var (gateway, _) = StartGateway();
        using var otherRoot = new TempDir();
        var (other, otherRecorder) = StartGateway(root: otherRoot.Path);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.Page.EvaluateAsync("() => sessionStorage.setItem('r2gw-token', 'r2gw_secret-session-token')");
        var sent = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.Page.Request += (_, request) =>
        {
            if (request.Headers.ContainsKey("authorization"))
            {
                sent.Add(request.Url);
            }
        };

        await page.OpenAsync($"{gateway.BaseAddress}?gateway={Uri.EscapeDataString(other.BaseAddress.ToString())}");
        await page.Page.Locator("#list-status").Filter(new() { HasText = "Page:GatewayOrigins" }).WaitForAsync();
        await page.AddFilesAsync(MakeFile("stays-home.bin", 1000));
        await page.StartAsync();
        await page.WaitForCompleteAsync();

        otherRecorder.Requests.Should().BeEmpty("the page never called the gateway it was pointed at");
        var otherOrigin = other.BaseAddress.GetLeftPart(UriPartial.Authority);
        sent.Should().NotBeEmpty().And.OnlyContain(url => !url.StartsWith(otherOrigin, StringComparison.Ordinal));
        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("stays-home.bin")).Should().NotBeNull("the upload went to the page's own gateway");
    }

    // Issue 11, item 6: a key starting with '//' is a path on the gateway, never another host.
    [Fact]
    public async Task Delete_of_a_key_starting_with_slashes_goes_to_the_gateway()
    {
        var (gateway, recorder) = StartGateway();
        var api = new GatewayApi(gateway.CreateClient());
        const string key = "//127.0.0.1:1/x";
        foreach (var stored in new[] { key, "up/a/../b" })
        {
            // Slashes as %2F: HttpClient would itself collapse '//' and resolve '..'.
            using var put = await gateway.CreateClient().PutAsync(
                new Uri($"{gateway.BaseAddress.GetLeftPart(UriPartial.Authority)}/{Uri.EscapeDataString(stored)}?action=put"), new ByteArrayContent([1]));
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var page = await OpenAsync(gateway.BaseAddress.ToString());
        var hosts = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.Page.Request += (_, request) => hosts.Add(new Uri(request.Url).Authority);
        await page.WaitForObjectRowAsync(key);
        await page.Page.Locator($"#objects tr[data-key='{key}'] button.delete").ClickAsync();
        await page.Page.Locator($"#objects tr[data-key='{key}']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        await page.Page.Locator("#objects tr[data-key='up/a/../b'] button.delete").ClickAsync();
        await page.Page.Locator("#objects tr[data-key='up/a/../b']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });

        hosts.Should().OnlyContain(h => h == gateway.BaseAddress.Authority);
        recorder.Requests.Where(r => r.Action == "delete").Should().HaveCount(2).And.OnlyContain(r => r.Status == 204);
        (await api.ListAsync("prefix="))["objects"]!.AsArray().Should().BeEmpty();
    }

    // Issue 11, item 2 and the page's CSP: an uploaded page never runs as the gateway, and the page cannot be framed.
    [Fact]
    public async Task An_uploaded_html_file_opened_from_the_gateway_does_not_run_and_the_page_cannot_be_framed()
    {
        var (gateway, recorder) = StartGateway();
        await new GatewayApi(gateway.CreateClient()).PutAsync("evil.html", System.Text.Encoding.UTF8.GetBytes("<script>fetch('/?action=list&from=xss')</script>"),
            r => r.Content!.Headers.ContentType = new("text/html"));
        var context = await browser.Chromium.NewContextAsync(new() { AcceptDownloads = true });
        var tab = await context.NewPageAsync();
        try
        {
            await tab.GotoAsync($"{gateway.BaseAddress}evil.html?action=get");
        }
        catch (Microsoft.Playwright.PlaywrightException e) when (e.Message.Contains("Download is starting", StringComparison.Ordinal))
        {
            // served as an attachment: a download, not a page
        }

        // Proving that something does not happen takes a window of time: a script would fetch at once.
        await Eventually.StaysTrue(() => !recorder.Requests.Any(r => r.Action == "list"), TimeSpan.FromSeconds(1), "the uploaded script never ran on the gateway's origin");

        using var client = gateway.CreateClient();
        using var html = await client.GetAsync("/");
        html.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("frame-ancestors 'none'").And.Contain("script-src 'self'");
        html.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        // SetContentAsync returns after the load event, which waits for the frame: loaded or refused.
        await tab.SetContentAsync($"<iframe id='f' src='{gateway.BaseAddress}'></iframe>");
        var framed = tab.Frames.Single(f => f != tab.MainFrame);
        framed.Url.Should().NotBe(gateway.BaseAddress.ToString(), "Chromium refused to show the page in a frame (it shows its error page instead)");
        (await framed.Locator(".uppy-Dashboard").CountAsync()).Should().Be(0, "the page refuses to be framed");
    }

    [Fact]
    public async Task The_download_link_is_a_presigned_GET_that_works_and_a_tampered_one_is_refused()
    {
        var (gateway, _) = StartGateway();
        var data = RandomNumberGenerator.GetBytes(300_000);
        await new GatewayApi(gateway.CreateClient()).PutOkAsync("docs/report.bin", data);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.WaitForObjectRowAsync("docs/report.bin");

        var download = await page.Page.RunAndWaitForDownloadAsync(() =>
            page.Page.Locator("#objects tr[data-key='docs/report.bin'] a.download").ClickAsync());

        (await File.ReadAllBytesAsync((await download.PathAsync())!)).Should().Equal(data);
        download.Url.Should().Contain("X-R2GW-Signature=");
        using var client = new HttpClient();
        (await client.GetByteArrayAsync(download.Url)).Should().Equal(data);
        var tampered = download.Url.Replace("docs/report.bin", "docs/report.bim", StringComparison.Ordinal);
        (await client.GetAsync(tampered)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_page_on_another_origin_uploads_when_that_origin_is_allowed()
    {
        using var siteRoot = new TempDir();
        var listed = new List<string>();
        var (site, _) = StartGateway(root: siteRoot.Path, services: ListGateways(listed)); // serves the same page from another origin
        var origin = site.BaseAddress.GetLeftPart(UriPartial.Authority);
        var (gateway, _) = StartGateway(new() { ["Cors:AllowedOrigins:0"] = origin });
        listed.Add(gateway.BaseAddress.GetLeftPart(UriPartial.Authority));
        var file = MakeFile("cross-origin.bin", 12 * MiB);
        var page = await OpenAsync($"{site.BaseAddress}?gateway={Uri.EscapeDataString(gateway.BaseAddress.ToString())}");

        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.WaitForCompleteAsync();

        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("cross-origin.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task A_page_on_an_origin_not_allowed_is_stopped_by_the_browser()
    {
        using var siteRoot = new TempDir();
        var listed = new List<string>();
        var (site, _) = StartGateway(root: siteRoot.Path, services: ListGateways(listed));
        var (gateway, recorder) = StartGateway(new() { ["Cors:AllowedOrigins:0"] = "http://127.0.0.1:1" });
        listed.Add(gateway.BaseAddress.GetLeftPart(UriPartial.Authority)); // the page allows it; the gateway's CORS does not
        var page = await OpenAsync($"{site.BaseAddress}?gateway={Uri.EscapeDataString(gateway.BaseAddress.ToString())}");

        await page.AddFilesAsync(MakeFile("refused.bin", 1000));
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles()[0].error", null, new() { Timeout = 30_000 });

        (await page.ErrorAsync()).Should().NotBeNullOrEmpty();
        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("refused.bin")).Should().BeNull();
        recorder.Requests.Should().NotContain(r => r.Action == "put" && r.Status == 200);
    }

    [Fact]
    public async Task A_reload_mid_upload_resumes_without_sending_finished_parts_again()
    {
        var (gateway, recorder) = StartGateway();
        // Parts 1 and 2 finish at once; the others hang long enough for the reload to cut them off.
        recorder.PartDelay = n => n <= 2 ? TimeSpan.Zero : TimeSpan.FromSeconds(4);
        var file = MakeFile("resumed-40MiB.bin", 40 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(file);
        await page.StartAsync();
        await Eventually.Until(() => recorder.Parts().Count() >= 2, TimeSpan.FromSeconds(30), "parts 1 and 2 finished");

        var finishedBeforeReload = recorder.Parts().Select(p => p.PartNumber).ToList();
        finishedBeforeReload.Should().BeEquivalentTo([1, 2]);
        // GoldenRetriever saves the upload's state (its uploadId) a moment after it changes; a reload
        // before that starts over, as it would for a person.
        await page.Page.WaitForFunctionAsync(
            "() => { const id = window.r2gateway.uppy.getFiles()[0]?.s3Multipart?.uploadId; return id && Object.keys(localStorage).some(k => (localStorage.getItem(k) ?? '').includes(id)); }");

        recorder.PartDelay = _ => TimeSpan.Zero;
        await page.Page.ReloadAsync();
        await page.Page.Locator(".uppy-Dashboard").WaitForAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles().length === 1");
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-restored-after-reload") });
        await page.Page.EvaluateAsync("() => window.r2gateway.uppy.upload()");
        await page.WaitForCompleteAsync();

        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("resumed-40MiB.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
        var sent = recorder.Parts().GroupBy(p => p.PartNumber).ToDictionary(g => g.Key, g => g.Count());
        sent[1].Should().Be(1, "part 1 had finished before the reload");
        sent[2].Should().Be(1, "part 2 had finished before the reload");
        sent.Keys.Should().BeEquivalentTo([1, 2, 3, 4, 5]);
        recorder.Requests.Should().Contain(r => r.Action == "mpu-listparts", "the resumed upload asked which parts were there");
        recorder.Requests.Count(r => r.Action == "mpu-create").Should().Be(1, "the same upload was resumed, not started again");
    }

    [Fact]
    public async Task With_access_control_the_page_asks_for_a_token_and_uploads_with_it()
    {
        const string token = "r2gw_page-token-0123456789abcdefghijklmnopqrs";
        var (gateway, _) = StartGateway(new()
        {
            ["Auth:Tokens:0:Name"] = "page",
            ["Auth:Tokens:0:Hash"] = R2Gateway.Security.TokenHash.Of(token),
            ["Auth:Tokens:0:Prefixes:0"] = "",
            ["Auth:Tokens:0:Can:0"] = "Read",
            ["Auth:Tokens:0:Can:1"] = "Write",
            ["Auth:Tokens:0:Can:2"] = "Presign",
            ["Auth:Tokens:0:Can:3"] = "Delete",
        });
        var file = MakeFile("with-token.bin", 10 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.Page.Locator("#list-status").Filter(new() { HasText = "401" }).WaitForAsync();

        await page.Page.Locator("#token").FillAsync(token);
        await page.Page.Locator("#token").DispatchEventAsync("change");
        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.WaitForCompleteAsync();
        await page.WaitForObjectRowAsync("with-token.bin");

        using var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await client.GetByteArrayAsync(GatewayApi.Url("with-token.bin", "get"))).Should().Equal(await File.ReadAllBytesAsync(file));
        (await page.Page.EvaluateAsync<string?>("() => localStorage.getItem('r2gw-token')")).Should().BeNull("the token is kept for the tab only");
    }

    [Fact]
    public async Task Pause_stops_sending_parts_and_resume_finishes_the_upload()
    {
        var (gateway, recorder) = StartGateway();
        recorder.PartDelay = _ => TimeSpan.FromMilliseconds(700);
        var file = MakeFile("paused-48MiB.bin", 48 * MiB);
        var page = await OpenAsync(gateway.BaseAddress.ToString());
        await page.AddFilesAsync(file);
        await page.StartAsync();
        await page.Page.WaitForFunctionAsync("() => window.r2gateway.uppy.getFiles()[0].s3Multipart?.uploadId");

        await page.Page.Locator("button[title='Pause']").First.ClickAsync();
        await Eventually.Until(() => recorder.PartsInFlight == 0, TimeSpan.FromSeconds(20), "parts already on the wire finished");
        var sentWhilePaused = recorder.Requests.Count(r => r.Action == "mpu-uploadpart");
        // Proving that nothing is sent takes a window of time: an unpaused upload sends a part at once.
        await Eventually.StaysTrue(() => recorder.Requests.Count(r => r.Action == "mpu-uploadpart") == sentWhilePaused && recorder.PartsInFlight == 0,
            TimeSpan.FromSeconds(1.5), "a paused upload sends nothing");
        (await page.Page.EvaluateAsync<bool>("() => window.r2gateway.uppy.getFiles()[0].isPaused")).Should().BeTrue();
        await page.Page.ScreenshotAsync(new() { Path = Browser.Screenshot("upload-page-paused") });

        await page.Page.Locator("button[title='Resume']").First.ClickAsync();
        await page.WaitForCompleteAsync();

        (await new GatewayApi(gateway.CreateClient()).GetBytesAsync("paused-48MiB.bin")).Should().Equal(await File.ReadAllBytesAsync(file));
        recorder.Requests.Count(r => r.Action == "mpu-create").Should().Be(1);
    }
}
